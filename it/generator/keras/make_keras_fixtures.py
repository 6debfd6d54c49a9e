#!/usr/bin/python3
"""Writes the Keras test fixtures of finetune-maven-plugin without Keras or TensorFlow.

Run with Debian's python3 (h5py and numpy; no Keras, no network):

    /usr/bin/python3 it/generator/keras/make_keras_fixtures.py

It writes into finetune-maven-plugin/src/test/resources/keras/:

  mlp-sequential.h5    Sequential 64-32-16-5 MLP (Dense relu, Dense relu, Dense softmax), pretrained here with numpy
                       on the UCI digits 0-4, saved WITHOUT training_config (as model.save() of an uncompiled model)
  mlp-userblock.h5     the same model after a 512-byte HDF5 user block (superblock at offset 512)
  cnn-functional.h5    functional model (class_name "Functional"): 8x8x1 channels-last input, Conv2D(4, 3x3),
                       BatchNormalization, ReLU(max_value=6, written as the integer 6), Flatten, Dense(16, relu),
                       Dense(5, softmax); seeded random weights; WITH a Keras 2.11 training_config (new-style Adam
                       optimizer config, "is_legacy_optimizer": false), as model.save() of a compiled model
  cnn-sequential.h5    Sequential CNN as Keras 2.2.4 saved it (no InputLayer entry): 8x8x1 input, Conv2D(2, 3x3, relu),
                       MaxPooling2D(2), Flatten, Dense(8, relu), Dense(5, softmax); seeded random weights
  channels-first.h5    Sequential Conv2D(data_format="channels_first") + Flatten + Dense: for the refusal test
  weights-only.h5      what model.save_weights("x.h5") writes: weights, no model_config
  keras3-model.keras   a Keras 3 .keras zip (config.json, metadata.json, model.weights.h5): for the refusal test
  reference.json       fixed inputs and the outputs of each layer of the first three models, by numpy forward passes

The HDF5 layout is the one Keras 2.x's legacy save_model_to_hdf5 / save_weights_to_hdf5_group writes, with the
same h5py calls: root attributes keras_version and backend (str) and model_config / training_config (JSON encoded
to bytes); group model_weights with attributes layer_names (list of bytes), backend and keras_version (bytes); one
group per layer, in name order, with attribute weight_names (list of bytes, or [] for a layer without weights, which
h5py stores as an empty float64 array) and datasets <layer>/<layer>/kernel:0, bias:0 (BatchNormalization: gamma:0,
beta:0, moving_mean:0, moving_variance:0); and top_level_model_weights with an empty weight_names. h5py 3 stores
str and bytes attributes alike as variable-length strings, as it does for Keras.
"""
import io
import json
import os
import zipfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))
OUT = os.path.join(ROOT, "finetune-maven-plugin", "src", "test", "resources", "keras")
DIGITS = os.path.join(ROOT, "it", "generator", "digits.csv")

KERAS_VERSION = "2.11.0"
BACKEND = "tensorflow"


# ---------------------------------------------------------------- Keras 2 layer configurations, as get_config() gives them

def initializer(name, **config):
    return {"class_name": name, "config": config}


def dense(name, units, activation, batch_input_shape=None):
    config = {"name": name, "trainable": True, "dtype": "float32"}
    if batch_input_shape is not None:
        config["batch_input_shape"] = batch_input_shape
    config.update({"units": units, "activation": activation, "use_bias": True,
                   "kernel_initializer": initializer("GlorotUniform", seed=None),
                   "bias_initializer": initializer("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
                   "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None})
    return {"class_name": "Dense", "config": config}


def conv2d(name, filters, kernel, data_format, batch_input_shape=None):
    config = {"name": name, "trainable": True, "dtype": "float32"}
    if batch_input_shape is not None:
        config["batch_input_shape"] = batch_input_shape
    config.update({"filters": filters, "kernel_size": list(kernel), "strides": [1, 1], "padding": "valid",
                   "data_format": data_format, "dilation_rate": [1, 1], "groups": 1, "activation": "linear",
                   "use_bias": True, "kernel_initializer": initializer("GlorotUniform", seed=None),
                   "bias_initializer": initializer("Zeros"), "kernel_regularizer": None, "bias_regularizer": None,
                   "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None})
    return {"class_name": "Conv2D", "config": config}


def input_layer(name, batch_input_shape):
    return {"class_name": "InputLayer", "config": {"batch_input_shape": batch_input_shape, "dtype": "float32",
                                                   "sparse": False, "ragged": False, "name": name}}


def batch_norm(name, axis):
    return {"class_name": "BatchNormalization", "config": {
        "name": name, "trainable": True, "dtype": "float32", "axis": [axis], "momentum": 0.99, "epsilon": 0.001,
        "center": True, "scale": True, "beta_initializer": initializer("Zeros"),
        "gamma_initializer": initializer("Ones"), "moving_mean_initializer": initializer("Zeros"),
        "moving_variance_initializer": initializer("Ones"), "beta_regularizer": None, "gamma_regularizer": None,
        "beta_constraint": None, "gamma_constraint": None}}


def relu(name, max_value):
    # ReLU(max_value=6) as a user writes it: the integer stays an integer in the saved JSON
    return {"class_name": "ReLU", "config": {"name": name, "trainable": True, "dtype": "float32",
                                             "max_value": max_value, "negative_slope": 0.0, "threshold": 0.0}}


def max_pooling2d(name):
    return {"class_name": "MaxPooling2D", "config": {"name": name, "trainable": True, "dtype": "float32",
                                                     "pool_size": [2, 2], "padding": "valid", "strides": [2, 2],
                                                     "data_format": "channels_last"}}


def flatten(name, data_format="channels_last"):
    return {"class_name": "Flatten", "config": {"name": name, "trainable": True, "dtype": "float32",
                                                "data_format": data_format}}


def functional_node(layer, inbound):
    """A layer entry of a functional model's config: the layer plus its name and inbound nodes."""
    entry = dict(layer)
    entry["name"] = layer["config"]["name"]
    entry["inbound_nodes"] = [[[name, 0, 0, {}] for name in inbound]] if inbound else []
    return entry


# ---------------------------------------------------------------- numpy forward passes (inference mode)

def np_dense(x, w, b, activation):
    return activate(x @ w + b, activation)


def activate(z, activation):
    if activation == "relu":
        return np.maximum(z, 0)
    if activation == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if activation == "linear":
        return z
    raise ValueError(activation)


def np_conv2d_nhwc(x, kernel, bias):
    """Valid 2D convolution, stride 1, channels last: x [n, h, w, c], kernel [kh, kw, c, f] (Keras' layout)."""
    n, h, w, _ = x.shape
    kh, kw, _, f = kernel.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, f), dtype=np.float64)
    for i in range(h - kh + 1):
        for j in range(w - kw + 1):
            patch = x[:, i:i + kh, j:j + kw, :]
            out[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return out + bias


def np_max_pool_2x2(x):
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def np_batch_norm(x, gamma, beta, mean, variance, eps):
    return gamma * (x - mean) / np.sqrt(variance + eps) + beta


# ---------------------------------------------------------------- HDF5 writing, as Keras 2's legacy h5 format

def save_attributes(group, name, data):
    """keras.saving.legacy.hdf5_format.save_attributes_to_hdf5_group for small attributes: group.attrs[name] = data."""
    group.attrs[name] = data


def write_layer_weights(model_weights, layer_name, weights):
    """One layer's group: weight_names and one dataset per weight, named as TF variables are (<layer>/<w>:0)."""
    g = model_weights.create_group(layer_name)
    names = [("%s/%s:0" % (layer_name, w)).encode("utf8") for w, _ in weights]
    save_attributes(g, "weight_names", names)
    for (w, value), name in zip(weights, names):
        d = g.create_dataset(name.decode("utf8"), value.shape, dtype=np.float32)
        d[:] = value.astype(np.float32)


def write_model_weights(group, layer_names, weights_by_layer):
    save_attributes(group, "layer_names", [n.encode("utf8") for n in layer_names])
    group.attrs["backend"] = BACKEND.encode("utf8")
    group.attrs["keras_version"] = KERAS_VERSION.encode("utf8")
    for name in sorted(layer_names):
        write_layer_weights(group, name, weights_by_layer.get(name, []))
    top = group.create_group("top_level_model_weights")
    save_attributes(top, "weight_names", [])


def save_h5(path, model_config, layer_names, weights_by_layer, training_config=None, optimizer_weights=None,
            userblock_size=0):
    with h5py.File(path, "w", userblock_size=userblock_size) as f:
        # model_metadata: str values as they are, dicts as JSON bytes
        f.attrs["keras_version"] = KERAS_VERSION
        f.attrs["backend"] = BACKEND
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config).encode("utf8")
        write_model_weights(f.create_group("model_weights"), layer_names, weights_by_layer)
        if optimizer_weights is not None:
            g = f.create_group("optimizer_weights")
            save_attributes(g, "weight_names", [n.encode("utf8") for n, _ in optimizer_weights])
            for n, v in optimizer_weights:
                g.create_dataset(n, data=v)


def glorot(rng, fan_in, fan_out, shape):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


# ---------------------------------------------------------------- the models

def load_digits():
    data = np.loadtxt(DIGITS, delimiter=",")
    return data[:, :64], data[:, 64].astype(int)


def pretrain_mlp(x, y, rng, steps=400, lr=0.01):
    """64-32-16-5 with Adam on softmax cross-entropy, full batch: a small pretrained base for digits 0-4."""
    sizes = [64, 32, 16, 5]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        params += [glorot(rng, a, b, (a, b)), np.zeros(b)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    onehot = np.eye(5)[y]
    for t in range(1, steps + 1):
        w1, b1, w2, b2, w3, b3 = params
        h1 = np.maximum(x @ w1 + b1, 0)
        h2 = np.maximum(h1 @ w2 + b2, 0)
        p = activate(h2 @ w3 + b3, "softmax")
        d3 = (p - onehot) / len(x)
        g3, gb3 = h2.T @ d3, d3.sum(0)
        d2 = (d3 @ w3.T) * (h2 > 0)
        g2, gb2 = h1.T @ d2, d2.sum(0)
        d1 = (d2 @ w2.T) * (h1 > 0)
        g1, gb1 = x.T @ d1, d1.sum(0)
        grads = [g1, gb1, g2, gb2, g3, gb3]
        for i, g in enumerate(grads):
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            params[i] = params[i] - lr * (m[i] / (1 - 0.9 ** t)) / (np.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-7)
    return [p.astype(np.float32) for p in params]


def mlp_forward(x, params):
    return mlp_activations(x, params)["dense_2"]


def mlp_activations(x, params):
    """Each layer's output, by layer name."""
    w1, b1, w2, b2, w3, b3 = [p.astype(np.float64) for p in params]
    out = {"dense": np_dense(x, w1, b1, "relu")}
    out["dense_1"] = np_dense(out["dense"], w2, b2, "relu")
    out["dense_2"] = np_dense(out["dense_1"], w3, b3, "softmax")
    return out


def write_mlp(x_lower, y_lower, rng):
    params = pretrain_mlp(x_lower / 16.0, y_lower, rng)
    accuracy = float((mlp_forward(x_lower / 16.0, params).argmax(1) == y_lower).mean())
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        input_layer("dense_input", [None, 64]),
        dense("dense", 32, "relu", [None, 64]),
        dense("dense_1", 16, "relu"),
        dense("dense_2", 5, "softmax")]}}
    names = ["dense", "dense_1", "dense_2"]
    weights = {n: [("kernel", params[2 * i]), ("bias", params[2 * i + 1])] for i, n in enumerate(names)}
    save_h5(os.path.join(OUT, "mlp-sequential.h5"), config, names, weights)
    # the same with a 512-byte user block before the HDF5 superblock (h5py's userblock_size), for recognition
    save_h5(os.path.join(OUT, "mlp-userblock.h5"), config, names, weights, userblock_size=512)
    return params, accuracy


def cnn_params(rng):
    kernel = glorot(rng, 9, 36, (3, 3, 1, 4)) * 0.5
    return {
        "conv": [("kernel", kernel), ("bias", rng.uniform(-0.5, 0.5, 4))],
        "bn": [("gamma", rng.uniform(0.5, 1.5, 4)), ("beta", rng.uniform(-0.5, 0.5, 4)),
               ("moving_mean", rng.uniform(-1, 1, 4)), ("moving_variance", rng.uniform(0.5, 2.0, 4))],
        "features": [("kernel", glorot(rng, 144, 16, (144, 16))), ("bias", rng.uniform(-0.1, 0.1, 16))],
        "predictions": [("kernel", glorot(rng, 16, 5, (16, 5))), ("bias", rng.uniform(-0.1, 0.1, 5))],
    }


def cnn_activations(x_flat, weights):
    """Each layer's output, by layer name; images as [n, height, width, channels]."""
    w = {layer: {n: v.astype(np.float32).astype(np.float64) for n, v in ws} for layer, ws in weights.items()}
    out = {"conv": np_conv2d_nhwc(x_flat.reshape(-1, 8, 8, 1), w["conv"]["kernel"], w["conv"]["bias"])}
    out["bn"] = np_batch_norm(out["conv"], w["bn"]["gamma"], w["bn"]["beta"], w["bn"]["moving_mean"],
                              w["bn"]["moving_variance"], 0.001)
    out["relu6"] = np.clip(out["bn"], 0, 6)
    flat = out["relu6"].reshape(len(x_flat), -1)  # Flatten of channels-last [n, 6, 6, 4]
    out["features"] = np_dense(flat, w["features"]["kernel"], w["features"]["bias"], "relu")
    out["predictions"] = np_dense(out["features"], w["predictions"]["kernel"], w["predictions"]["bias"], "softmax")
    return out


def reference_of(inputs, activations, last):
    """Inputs (flat rows) and each layer's outputs (flattened per row, channels last), float64."""
    return {"inputs": inputs.tolist(), "outputs": activations[last].tolist(),
            "layers": {name: a.reshape(len(inputs), -1).tolist() for name, a in activations.items()}}


KERAS_211_TRAINING_CONFIG = {
    "loss": "categorical_crossentropy",
    "metrics": [[{"class_name": "MeanMetricWrapper",
                  "config": {"name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]],
    "weighted_metrics": None, "loss_weights": None,
    # the optimizer config of Keras >= 2.11's new optimizers (deeplearning4j#10042)
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
        "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "jit_compile": True,
        "is_legacy_optimizer": False, "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}},
}


def write_cnn(rng):
    weights = cnn_params(rng)
    layers = [
        functional_node(input_layer("image", [None, 8, 8, 1]), []),
        functional_node(conv2d("conv", 4, (3, 3), "channels_last"), ["image"]),
        functional_node(batch_norm("bn", 3), ["conv"]),
        functional_node(relu("relu6", 6), ["bn"]),
        functional_node(flatten("flatten"), ["relu6"]),
        functional_node(dense("features", 16, "relu"), ["flatten"]),
        functional_node(dense("predictions", 5, "softmax"), ["features"]),
    ]
    config = {"class_name": "Functional", "config": {"name": "digits_cnn", "trainable": True, "layers": layers,
                                                     "input_layers": [["image", 0, 0]],
                                                     "output_layers": [["predictions", 0, 0]]}}
    names = [l["name"] for l in layers]
    save_h5(os.path.join(OUT, "cnn-functional.h5"), config, names, weights, KERAS_211_TRAINING_CONFIG,
            optimizer_weights=[("iteration:0", np.int64(0))])
    return weights


def cnn_sequential_params(rng):
    return {"conv2d": [("kernel", glorot(rng, 9, 18, (3, 3, 1, 2))), ("bias", rng.uniform(-0.2, 0.2, 2))],
            "dense": [("kernel", glorot(rng, 18, 8, (18, 8))), ("bias", rng.uniform(-0.1, 0.1, 8))],
            "dense_1": [("kernel", glorot(rng, 8, 5, (8, 5))), ("bias", rng.uniform(-0.1, 0.1, 5))]}


def cnn_sequential_activations(x_flat, weights):
    w = {layer: {n: v.astype(np.float32).astype(np.float64) for n, v in ws} for layer, ws in weights.items()}
    out = {"conv2d": activate(np_conv2d_nhwc(x_flat.reshape(-1, 8, 8, 1), w["conv2d"]["kernel"], w["conv2d"]["bias"]),
                              "relu")}
    out["max_pooling2d"] = np_max_pool_2x2(out["conv2d"])
    out["dense"] = np_dense(out["max_pooling2d"].reshape(len(x_flat), -1), w["dense"]["kernel"], w["dense"]["bias"], "relu")
    out["dense_1"] = np_dense(out["dense"], w["dense_1"]["kernel"], w["dense_1"]["bias"], "softmax")
    return out


def write_cnn_sequential(rng):
    """A Sequential CNN as Keras 2.2 saved it: no InputLayer entry, the first layer carries batch_input_shape."""
    weights = cnn_sequential_params(rng)
    conv = conv2d("conv2d", 2, (3, 3), "channels_last", [None, 8, 8, 1])
    conv["config"]["activation"] = "relu"
    del conv["config"]["groups"]  # added in Keras 2.3
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        conv, max_pooling2d("max_pooling2d"), flatten("flatten"), dense("dense", 8, "relu"), dense("dense_1", 5, "softmax")]}}
    names = ["conv2d", "max_pooling2d", "flatten", "dense", "dense_1"]
    global KERAS_VERSION
    saved, KERAS_VERSION = KERAS_VERSION, "2.2.4"
    try:
        save_h5(os.path.join(OUT, "cnn-sequential.h5"), config, names, weights)
    finally:
        KERAS_VERSION = saved
    return weights


def write_channels_first(rng):
    config = {"class_name": "Sequential", "config": {"name": "sequential_cf", "layers": [
        input_layer("conv_input", [None, 1, 8, 8]),
        conv2d("conv", 2, (3, 3), "channels_first", [None, 1, 8, 8]),
        flatten("flatten", "channels_first"),
        dense("out", 5, "softmax")]}}
    weights = {"conv": [("kernel", glorot(rng, 9, 18, (3, 3, 1, 2))), ("bias", np.zeros(2))],
               "out": [("kernel", glorot(rng, 72, 5, (72, 5))), ("bias", np.zeros(5))]}
    save_h5(os.path.join(OUT, "channels-first.h5"), config, ["conv", "flatten", "out"], weights)


def write_weights_only(mlp):
    with h5py.File(os.path.join(OUT, "weights-only.h5"), "w") as f:
        names = ["dense", "dense_1", "dense_2"]
        write_model_weights(f, names, {n: [("kernel", mlp[2 * i]), ("bias", mlp[2 * i + 1])]
                                       for i, n in enumerate(names)})


def write_keras3(mlp):
    """Keras 3's .keras: a zip of metadata.json, config.json and model.weights.h5 (layers/<name>/vars/<i>)."""
    config = {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True, "dtype": "float32", "layers": [
            {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, 64], "dtype": "float32", "sparse": False, "name": "input_layer"},
             "registered_name": None},
            {"module": "keras.layers", "class_name": "Dense",
             "config": {"name": "dense", "trainable": True, "dtype": "float32", "units": 5, "activation": "softmax",
                        "use_bias": True}, "registered_name": None, "build_config": {"input_shape": [None, 64]}}]},
        "registered_name": None, "build_config": {"input_shape": [None, 64]}}
    weights = io.BytesIO()
    with h5py.File(weights, "w") as f:
        v = f.create_group("layers").create_group("dense").create_group("vars")
        v.create_dataset("0", data=mlp[0][:, :5] if mlp[0].shape[1] >= 5 else mlp[0])
        v.create_dataset("1", data=np.zeros(5, dtype=np.float32))
    with zipfile.ZipFile(os.path.join(OUT, "keras3-model.keras"), "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in [("metadata.json", json.dumps({"keras_version": "3.3.3", "date_saved": "2024-05-01@12:00:00"})),
                           ("config.json", json.dumps(config)), ("model.weights.h5", weights.getvalue())]:
            info = zipfile.ZipInfo(name, date_time=(2024, 5, 1, 12, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)


def main():
    os.makedirs(OUT, exist_ok=True)
    x, y = load_digits()
    lower = y < 5
    rng = np.random.default_rng(20261201)
    mlp, mlp_accuracy = write_mlp(x[lower], y[lower], rng)
    cnn = write_cnn(rng)
    cnn_sequential = write_cnn_sequential(rng)
    write_channels_first(rng)
    write_weights_only(mlp)
    write_keras3(mlp)

    # fixed inputs: three real digits and a random row; scaled to 0..1 for the MLP (as it was pretrained), raw pixel
    # counts 0..16 for the CNN, so that some activations pass ReLU6's clip
    digits = np.vstack([x[0], x[1], x[7], rng.uniform(0, 16, 64)])
    cnn_layers = cnn_activations(digits, cnn)
    reference = {
        "about": "inputs and outputs (each layer's, flattened per row, channels last) of numpy forward passes in "
                 "float64 with the float32 weights in the files; written by it/generator/keras/make_keras_fixtures.py",
        "mlp-sequential.h5": dict(reference_of(digits / 16.0, mlp_activations(digits / 16.0, mlp), "dense_2"),
                                  pretrainingAccuracyOnDigits0to4=mlp_accuracy),
        "cnn-functional.h5": dict(reference_of(digits, cnn_layers, "predictions"),
                                  reluClipped=int((cnn_layers["bn"] > 6).sum()),
                                  reluZeroed=int((cnn_layers["bn"] < 0).sum())),
        "cnn-sequential.h5": reference_of(digits, cnn_sequential_activations(digits, cnn_sequential), "dense_1"),
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(reference, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, "; MLP accuracy on digits 0-4 after numpy pretraining:", mlp_accuracy,
          "; ReLU6 activations clipped at 6 / zeroed for the reference inputs:",
          reference["cnn-functional.h5"]["reluClipped"], "/", reference["cnn-functional.h5"]["reluZeroed"])


if __name__ == "__main__":
    main()
