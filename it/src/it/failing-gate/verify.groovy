// A missed gate fails the build with the metric, its value and the threshold; nothing gets packaged.
def log = new File(basedir, 'build.log').text
assert log.contains('1 quality gate(s) missed on the test split')
assert log =~ /FAILED accuracy >= 0\.999: accuracy is 0\.\d{4}, threshold >= 0\.999 \(finetune\.yaml:16:7\)/
assert log =~ /Gate passed macroF1 >= 0\.5: macroF1 is 0\.\d{4}, threshold >= 0\.5 \(finetune\.yaml:15:7\)/
assert log.contains('MojoFailureException')
// training happened in the fork and the metrics were written before the gate failed
assert new File(basedir, 'target/finetune/model.zip').isFile()
assert new File(basedir, 'target/finetune/metrics.json').text.contains('"accuracy"')
assert !new File(basedir, 'target/failing-gate-1.0.0-SNAPSHOT-model.zip').exists()
return true
