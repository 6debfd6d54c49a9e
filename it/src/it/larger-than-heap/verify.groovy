// Trained and evaluated from a CSV about 3x the training JVM's heap: parsed once, streamed by row index.
def log = new File(basedir, 'build.log').text
def csv = new File(basedir, 'data/mnist-70k.csv')
assert csv.length() > 3 * 40L * 1024 * 1024 : "the CSV (${csv.length()} bytes) must be several times the 40m heap"
// the parsed rows: one file in the data cache, float32 pixels (70,000 x 784 x 4 bytes plus labels and lines)
def cached = new File(basedir, 'target/finetune/data-cache').listFiles().findAll { it.name.endsWith('.rows') }
assert cached.size() == 1
assert cached[0].length() > 70000L * 784 * 4
assert log =~ /data: 10 classes \[0, 1, 2, 3, 4, 5, 6, 7, 8, 9\], 784 features; 2799\d train \/ 700\d validation \/ 3500\d test rows/
// the frozen layer's outputs (128 floats a row) do not fit the cache's budget: they are read from a file
assert log =~ /frozen-feature cache: the train outputs \(2799\d rows, [0-9.]+ MiB\) exceed the in-memory budget of [0-9.]+ MiB/
assert !log.contains('OutOfMemoryError')
def metrics = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/finetune/metrics.json'))
assert metrics.test.examples > 35000 - 10
assert metrics.test.accuracy >= 0.9
assert log =~ /Gate passed accuracy >= 0\.9: accuracy is 0\.9\d{3}/
return true
