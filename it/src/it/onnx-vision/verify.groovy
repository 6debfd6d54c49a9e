// MobileNetV2 as an ONNX model through a real `model` project build: inspected in Maven's JVM without native code
// (input shape and channel order from the graph), its pooled features computed once per image by ONNX Runtime in the
// fork, a new head trained on them, gated on the held-out test images, the lineage naming the ONNX body.
import groovy.json.JsonSlurper

def log = new File(basedir, 'build.log').text
assert log =~ /Spec finetune\.yaml is valid against its inputs \(base models\/mobilenet-v2-64\.onnx: ONNX model \(frozen body, run by ONNX Runtime; written by finetune TfjsToOnnx 1\), inputs image float\[batch, 3, 64, 64\]/
assert log.contains('data: 10 classes [ankle-boot, bag, coat, dress, pullover, sandal, shirt, sneaker, trouser, tshirt], 12288 features; 150 train / 60 validation / 90 test images')
assert log =~ /frozen-feature cache: ONNX image model's `flatten_1` for the 150 train images computed once in [0-9.]+ s \([0-9.]+ images\/s\), 1280 features/
assert log =~ /frozen-feature cache: ONNX image model's `flatten_1` for the 90 test images computed once/
assert log =~ /fine-tune epoch 1\/30 /
assert !log.contains('Exception')

// finetune:layers: the ONNX body, its outputs (feature map as height x width x channels), the head on flatten_1
assert log =~ /(?m)^\[INFO\]\s+0\s+mobilenet-v2-64\.onnx\s+ONNX graph \(\d+ nodes, opset 13\)\s+-\s+[0-9,]+\s+frozen$/
assert log =~ /(?m)^\[INFO\]\s+\d+\s+out_relu\s+ONNX output float\[batch, 1280, 2, 2\]\s+2x2x1280\s+0\s+frozen$/
assert log =~ /(?m)^\[INFO\]\s+\+\s+head_output\s+OutputLayer \(softmax\)\s+10\s+12,810\s+new head, trains$/
assert log =~ /(?m)^\[INFO\]\s+after surgery: 12,810 of [0-9,]+ parameters trainable$/

def out = new File(basedir, 'target/finetune')
def encoding = new JsonSlurper().parse(new File(out, 'image-encoding.json'))
assert encoding.layout == 'NCHW' && encoding.height == 64 && encoding.width == 64 && encoding.channels == 3
assert encoding.output == 'flatten_1' && encoding.dimension == 1280 && encoding.scaling == 'pixel / 255 (0..1)'
assert encoding.splits.keySet() == ['train', 'validation', 'test'] as Set
def metrics = new JsonSlurper().parse(new File(out, 'metrics.json'))
assert metrics.test.examples == 90
assert metrics.test.classes.size() == 10
assert metrics.test.accuracy >= 0.4 && metrics.test.accuracy <= 1.0
def training = new JsonSlurper().parse(new File(out, 'training.json'))
assert training.trainableParams == 1280 * 10 + 10 : "only the new head trains: ${training.trainableParams}"
def zip = new java.util.zip.ZipFile(new File(basedir, 'target/onnx-vision-1.0.0-SNAPSHOT.zip'))
try {
    def lineage = new JsonSlurper().parse(zip.getInputStream(zip.getEntry('finetune/lineage.json')))
    assert lineage.imageEncoder.output == 'flatten_1' && lineage.imageEncoder.layout == 'NCHW'
    assert lineage.imageEncoder.sha256 ==~ /[0-9a-f]{64}/
    def card = zip.getInputStream(zip.getEntry('finetune/model-card.md')).text
    assert card.contains('The base is a frozen ONNX image model')
} finally {
    zip.close()
}
println "onnx-vision: test accuracy ${metrics.test.accuracy}, macro-F1 ${metrics.test.macroF1}"
return true
