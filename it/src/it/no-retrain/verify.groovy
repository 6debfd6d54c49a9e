// The second build found the same inputs: it skipped training and evaluation but still checked the gates.
def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 3 : 'two builds were logged'
def first = runs[1], second = runs[2]
assert first =~ /fine-tune epoch 2\/2/
assert second =~ /Inputs unchanged since the last training \(fingerprint [0-9a-f]{12}\): skipping finetune:train; -Dfinetune.force retrains/
assert second.contains('Model and test data unchanged since the last evaluation: reusing metrics.json')
assert second =~ /Gate passed accuracy >= 0\.5/
assert !(second =~ /fine-tune epoch/)
assert second.contains('Spec finetune.yaml and its inputs unchanged since they were last found valid')
assert second.contains('Model, reports and project unchanged since no-retrain-1.0.0-SNAPSHOT-model.zip was written: reusing it')
// the marker: the fingerprint, then the raw inputs it was computed from
def marker = new File(basedir, 'target/finetune/train.fingerprint').readLines()
assert marker[0] ==~ /[0-9a-f]{64}/
assert marker.any { it ==~ /file [0-9a-f]{64} data\/digits-5to9-28x28\.csv/ }
assert new File(basedir, 'target/no-retrain-1.0.0-SNAPSHOT-model.zip').isFile()
return true
