// A Keras .h5 base through a real build: validated without ND4J (the log names the format), fine-tuned with its
// convolution frozen, gated on the test split, and installed as a DL4J model zip whose lineage names the .h5.
import java.util.zip.ZipFile

def log = new File(basedir, 'build.log').text
assert log =~ /base models\/cnn-functional\.h5: Keras [0-9.]+ HDF5 model \(Functional\), \d+ layers, input \[8, 8, 1\]/
assert log =~ /fine-tune epoch 4\/4 /
assert log =~ /Gate passed accuracy >= 0\.6: accuracy is 0\.\d{4}/

def zip = new ZipFile(new File(localRepositoryPath,
        'dev/finetune/it/keras-base/1.0.0-SNAPSHOT/keras-base-1.0.0-SNAPSHOT-model.zip'))
def lineage = new groovy.json.JsonSlurper().parseText(zip.getInputStream(zip.getEntry('finetune/lineage.json')).text)
assert lineage.base.path == 'models/cnn-functional.h5'
assert lineage.dataset.classes == (0..9).collect { it.toString() }
def training = new groovy.json.JsonSlurper().parseText(zip.getInputStream(zip.getEntry('finetune/training.json')).text)
assert training.frozenLayers == ['conv']
// the tuned model is a plain DL4J zip: no Keras importer classes in its configuration
assert !zip.getInputStream(zip.getEntry('configuration.json')).text.contains('modelimport')
zip.close()
println "Keras base fine-tuned: ${log.find(/Gate passed accuracy >= 0\.6: accuracy is 0\.\d{4}/)}"
return true
