#!/usr/bin/env python3
"""Writes the first N MNIST test digits (t10k) as a CSV: 784 pixel columns 0..255 (row-major 28x28), then the digit.

The bundled example's retention data (evaluation.retention.data): digits the MNIST base never trained on.
    python3 it/generator/mnist_retention_csv.py 1000 it/example/digits-5to9/data/mnist-test-1000.csv
"""
import gzip
import struct
import sys
from pathlib import Path

here = Path(__file__).parent / "mnist"
n = int(sys.argv[1])
out = Path(sys.argv[2])
with gzip.open(here / "t10k-images-idx3-ubyte.gz") as f:
    magic, count, rows, cols = struct.unpack(">IIII", f.read(16))
    assert magic == 2051 and rows == 28 and cols == 28
    pixels = f.read(n * rows * cols)
with gzip.open(here / "t10k-labels-idx1-ubyte.gz") as f:
    magic, count = struct.unpack(">II", f.read(8))
    assert magic == 2049
    labels = f.read(n)
lines = []
for i in range(n):
    row = pixels[i * 784:(i + 1) * 784]
    lines.append(",".join(str(b) for b in row) + "," + str(labels[i]))
tmp = out.with_suffix(".tmp")
tmp.write_text("\n".join(lines) + "\n")
tmp.replace(out)
