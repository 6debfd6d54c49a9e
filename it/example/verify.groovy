// Run by the integration tests (it/pom.xml): the example reactor builds base -> fine-tune -> consumer, the model
// passes its gates and is installed as the main artifact of a `model` project, the consumer's test reads digits with
// it, the second build, with nothing changed, does not retrain, and -pl ... -am brings the base module along.
import java.util.zip.ZipFile

def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 5 : 'four builds were logged'
def first = runs[1], second = runs[2], third = runs[3], skipped = runs[4]

// reactor order follows the dependencies: base, fine-tune, consumer
def order = first.findAll(/Building (Digits 5-9 \(UCI 8x8 scans\)|mnist-lenet|digits-app) /)
assert order == ['Building mnist-lenet ', 'Building Digits 5-9 (UCI 8x8 scans) ', 'Building digits-app '] : order

assert first =~ /fine-tune epoch 1\/40 .* ETA /
assert first =~ /Gate passed accuracy >= 0\.9: accuracy is 0\.\d{4}/
// the retention check: the tuned body under the base's MNIST output layer still reads MNIST test digits
assert first =~ /retention of the base's task \(data\/mnist-test-1000\.csv, 1000 rows\): accuracy 0\.9\d{3} before, 0\.9\d{3} after/
assert first =~ /Gate passed retention maxDrop\.accuracy: the base's task accuracy fell by -?0\.\d{4}, at most 0\.02/
assert first.contains('Installing') && first.contains('digits-5to9-1.0.0-SNAPSHOT.zip')
assert first =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0.*DigitClassifierTest/

assert second =~ /Inputs unchanged since the last training \(fingerprint [0-9a-f]{12}\): skipping finetune:train/
assert !(second =~ /fine-tune epoch/)
assert second =~ /Tests run: 1, Failures: 0, Errors: 0, Skipped: 0.*DigitClassifierTest/

// -pl digits-5to9 -am: the base module comes along, since the fine-tune module depends on it; the app does not
assert third.contains('Building mnist-lenet ') && third.contains('Building Digits 5-9 (UCI 8x8 scans) ')
assert !third.contains('Building digits-app ')

// -Dfinetune.skip: nothing trains or packages, yet install gets the model project's artifact (the zip from before)
assert skipped.contains('Skipping finetune:train (finetune.skip)') && !(skipped =~ /fine-tune epoch/)
assert skipped.contains("finetune.skip is set: the project's artifact is digits-5to9-1.0.0-SNAPSHOT.zip as an earlier build packaged it")
assert skipped =~ /Installing .*digits-5to9-1\.0\.0-SNAPSHOT\.zip/

def zip = new ZipFile(new File(localRepositoryPath,
        'dev/finetune/examples/digits-5to9/1.0.0-SNAPSHOT/digits-5to9-1.0.0-SNAPSHOT.zip'))
def entry = { name -> zip.getInputStream(zip.getEntry(name)).text }
def lineage = new groovy.json.JsonSlurper().parseText(entry('finetune/lineage.json'))
assert lineage.base.coordinates == 'dev.finetune.examples:mnist-lenet:1.0.0'
assert lineage.base.sha256 ==~ /[0-9a-f]{64}/
assert lineage.dataset.splits.test.rows > 700
assert lineage.seeds == [split: 7, training: 42]
// finetune.threads unset: the default for a convolutional base, recorded with why (issue 18)
assert lineage.tools.ompThreads == 2 && lineage.tools.threadsChosenBy == 'default for convolutional networks'
def card = entry('finetune/model-card.md')
assert card.startsWith('# Digits 5-9 (UCI 8x8 scans) 1.0.0-SNAPSHOT')
assert card =~ /\| 9 \| 0\.\d{4} \| 0\.\d{4} \| 0\.\d{4} \| \d+ \|/
assert card.contains("## Retention of the base's task") && card.contains('`data/mnist-test-1000.csv` (1000 rows, 10 classes of the base)')
assert card =~ /\| accuracy \| 0\.9\d{3} \| 0\.9\d{3} \| -?0\.\d{4} \| 0\.0200 \(passed\) \|/
def metrics = new groovy.json.JsonSlurper().parseText(entry('finetune/metrics.json'))
assert metrics.retention.before.examples == 1000 && metrics.retention.drop.accuracy < 0.02
assert zip.getEntry('configuration.json') != null && zip.getEntry('coefficients.bin') != null
zip.close()
return true
