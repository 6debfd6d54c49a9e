// MobileNetV2 (a Keras .h5 ComputationGraph) through a real `model` project build: inspected in Maven's JVM, its
// frozen body run once per image (the frozen-feature cache, for a graph), a new head trained, gated on the held-out
// test images.
import groovy.json.JsonSlurper

def log = new File(basedir, 'build.log').text
assert log =~ /Spec finetune\.yaml is valid against its inputs \(base models\/mobilenet-v2-96\.h5: Keras 2\.2\.4 HDF5 model \(Model\), \d+ layers, input \[96, 96, 3\], 2,619,461 parameters/
assert log.contains('data: 10 classes [ankle-boot, bag, coat, dress, pullover, sandal, shirt, sneaker, trouser, tshirt], 27648 features; 250 train / 100 validation / 150 test images')
assert log =~ /frozen-feature cache: outputs of the frozen graph up to `dense_1` computed once for 250 train \+ 100 validation rows in [0-9.]+ s; training fits only the 1 layer\(s\) above/
assert log =~ /fine-tune epoch 1\/30 /

def out = new File(basedir, 'target/finetune')
def metrics = new JsonSlurper().parse(new File(out, 'metrics.json'))
assert metrics.test.examples == 150
assert metrics.test.classes.size() == 10
assert metrics.test.accuracy >= 0.4 && metrics.test.accuracy <= 1.0
def training = new JsonSlurper().parse(new File(out, 'training.json'))
assert training.trainableParams == 256 * 10 + 10 : "only the new head trains: ${training.trainableParams}"
assert new File(basedir, 'target/mobilenet-base-1.0.0-SNAPSHOT.zip').isFile()
println "mobilenet-base: test accuracy ${metrics.test.accuracy}, macro-F1 ${metrics.test.macroF1}"
return true
