// An image folder through a real `model` project build: validated in Maven's JVM, fine-tuned with augmented training
// images (so without the frozen-feature cache, as the log says), gated on the held-out test images, installed; a
// clean rebuild with -Dfinetune.force gives the same model zip, so the per-epoch augmentation is seeded.
import groovy.json.JsonSlurper
import java.security.MessageDigest

def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 3 : 'two builds were logged'
def first = runs[1]
assert first =~ /Spec finetune\.yaml is valid against its inputs \(base models\/mnist-lenet\.zip: DL4J model zip \(MultiLayerNetwork\), 6 layers, input \[1, 28, 28\]/
assert first.contains('data: 10 classes [ankle-boot, bag, coat, dress, pullover, sandal, shirt, sneaker, trouser, tshirt], 784 features; 250 train / 100 validation / 150 test images')
assert first.contains('frozen-feature cache off: the dataset source is not deterministic (dataset.augmentation changes the training images every epoch); training runs full forward passes')
assert first =~ /fine-tune epoch 1\/6 /
assert runs[2] =~ /fine-tune epoch 1\/6 / : 'the second build trained again'

def out = new File(basedir, 'target/finetune')
def metrics = new JsonSlurper().parse(new File(out, 'metrics.json'))
assert metrics.test.examples == 150
assert metrics.test.classes.size() == 10
assert metrics.test.accuracy >= 0.6 && metrics.test.accuracy <= 1.0
assert metrics.test.perClass.size() == 10
def dataset = new JsonSlurper().parse(new File(out, 'dataset.json'))
assert dataset.duplicatesAcrossSplits == 0
assert dataset.featureCount == 784
// the fingerprint hashes the folder as a tree of files
assert new File(out, 'train.fingerprint').readLines().any { it ==~ /file [0-9a-f]{64} photos/ }

def sha256 = { File f -> MessageDigest.getInstance('SHA-256').digest(f.bytes).encodeHex().toString() }
def installed = new File(localRepositoryPath, 'dev/finetune/it/image-folder/1.0.0-SNAPSHOT/image-folder-1.0.0-SNAPSHOT.zip')
def rebuilt = new File(basedir, 'target/image-folder-1.0.0-SNAPSHOT.zip')
assert installed.isFile() && rebuilt.isFile()
assert sha256(installed) == sha256(rebuilt)
println "image folder: test accuracy ${metrics.test.accuracy}, macro-F1 ${metrics.test.macroF1}; model zip ${sha256(rebuilt)} from both builds"
return true
