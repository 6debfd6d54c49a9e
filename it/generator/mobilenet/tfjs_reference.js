// TF.js reference outputs of the nsfwjs MobileNetV2 for MobileNetV2ImportTest (DL4J's import of the .h5 that
// TfjsToKeras writes must compute the same within 1e-5). Run once, outside the build (see it/generator/README.md):
//   cd /tmp && npm pack nsfwjs@4.4.0 && tar xzf nsfwjs-4.4.0.tgz && npm install @tensorflow/tfjs@4.22.0
//   node tfjs_reference.js /tmp/package/dist/models/mobilenet_v2 96 > mobilenet-v2-reference.json
// TF.js' pure-JavaScript CPU backend, float32. The model is loaded from nsfwjs' own files (browserify modules: the
// model.json object and the weights as base64); for a size other than the published 224 the topology is changed as
// TfjsToKeras changes it (the input's height and width, and the last AveragePooling2D averaging the whole last map).
const tf = require('@tensorflow/tfjs');
const path = require('path');

const dir = process.argv[2];
const size = Number(process.argv[3] || 224);
const manifest = JSON.parse(JSON.stringify(require(path.resolve(dir, 'model.min.js'))));
const weightData = Buffer.concat(manifest.weightsManifest[0].paths.map(p =>
    Buffer.from(require(path.resolve(dir, p + '.min.js')), 'base64')));
const layers = manifest.modelTopology.model_config.config.layers;
if (size !== 224) {
  layers.forEach(l => {
    if (l.class_name === 'InputLayer') { l.config.batch_input_shape = [null, size, size, 3]; }
    if (l.class_name === 'AveragePooling2D' && l.config.pool_size[0] === 7) {
      l.config.pool_size = [size / 32, size / 32]; l.config.strides = [size / 32, size / 32];
    }
  });
}

// the inputs: a formula exact in float32 in every language, 0..1 like nsfwjs' own scaling (pixels / 255)
function input(n, y, x, c) { return ((n * 7 + y * 13 + x * 17 + c * 29 + (y * x) % 11) % 256) / 255; }
const images = 2;

(async () => {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: manifest.modelTopology,
    weightSpecs: manifest.weightsManifest[0].weights,
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
  }));
  const values = new Float32Array(images * size * size * 3);
  let i = 0;
  for (let n = 0; n < images; n++) for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) {
    values[i++] = input(n, y, x, c);
  }
  const probe = tf.model({inputs: model.inputs, outputs: ['flatten_1', 'dense_1', 'dense_3'].map(n => model.getLayer(n).output)});
  const outs = probe.predict(tf.tensor4d(values, [images, size, size, 3]));
  const rows = t => { const a = Array.from(t.dataSync()); const w = a.length / images; return [...Array(images).keys()].map(r => a.slice(r * w, (r + 1) * w)); };
  console.log(JSON.stringify({
    about: 'TF.js ' + tf.version.tfjs + ' (cpu backend, float32) outputs of the nsfwjs 4.4.0 MobileNetV2 at ' + size + 'x' + size
        + ': the flatten_1 features (1280), dense_1 (256, relu) and dense_3 (5, softmax), for ' + images + ' images whose pixel'
        + ' (n, y, x, c) is ((n*7 + y*13 + x*17 + c*29 + (y*x) % 11) % 256) / 255; written by it/generator/mobilenet/tfjs_reference.js',
    size, images,
    flatten_1: rows(outs[0]), dense_1: rows(outs[1]), dense_3: rows(outs[2]),
  }));
})();
