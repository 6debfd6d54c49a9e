#!/usr/bin/env python3
"""PyTorch's side of it/benchmarks/pytorch-peer.sh: the same three workloads as PeerBenchmark.java, on the same CSV
(the first TRAIN rows for training, the next VALIDATION rows for validation), batch 64, Adam 1e-3, float32, and per
epoch the same work: shuffled minibatches, then one forward pass over the validation rows.

Usage: pytorch_peer.py CSV TRAIN VALIDATION THREADS
Prints `RESULT workload torch threads rows epochSeconds...` lines; exits 3 with a message when torch is missing."""
import sys
import time

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:
    print(f"SKIP PyTorch is not installed ({e}); on Debian: apt-get install python3-torch")
    sys.exit(3)

BATCH = 64
EPOCHS = {"mlp": 6, "lenet": 3, "cached": 8}


def lenet_body():
    # the example's base (ExampleGenerator): conv 5x5x20, max-pool 2, conv 5x5x50, max-pool 2 (no padding)
    return nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten())


def top(n_in):
    return nn.Sequential(nn.Linear(n_in, 200), nn.ReLU(), nn.Linear(200, 10))


def epochs(model, params, x, y, vx, vy, count, seed):
    optimizer = torch.optim.Adam(params, lr=1e-3)
    loss = nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(seed)
    seconds = []
    for _ in range(count):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(x.shape[0], generator=generator)
        for s in range(0, x.shape[0], BATCH):
            rows = order[s:s + BATCH]
            optimizer.zero_grad()
            loss(model(x[rows]), y[rows]).backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            correct = 0
            for s in range(0, vx.shape[0], 512):
                correct += int((model(vx[s:s + 512]).argmax(1) == vy[s:s + 512]).sum())
        seconds.append(time.perf_counter() - start)
    return seconds


def main():
    csv, train, validation, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(42)
    data = np.loadtxt(csv, delimiter=",", dtype=np.float32, max_rows=train + validation)
    x = torch.from_numpy(data[:, :784] / 255.0)
    y = torch.from_numpy(data[:, 784].astype(np.int64))
    tx, ty, vx, vy = x[:train], y[:train], x[train:], y[train:]
    runs = {}
    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    runs["mlp"] = epochs(mlp, mlp.parameters(), tx, ty, vx, vy, EPOCHS["mlp"], 1)
    images, vimages = tx.reshape(-1, 1, 28, 28), vx.reshape(-1, 1, 28, 28)
    lenet = nn.Sequential(lenet_body(), top(800))
    runs["lenet"] = epochs(lenet, lenet.parameters(), images, ty, vimages, vy, EPOCHS["lenet"], 2)
    # frozen convolutions once (no gradients), then the dense top trained on their outputs, as the plugin's cache does
    body = lenet_body().eval()
    with torch.no_grad():
        features = torch.cat([body(images[s:s + 512]) for s in range(0, train, 512)])
        vfeatures = torch.cat([body(vimages[s:s + 512]) for s in range(0, validation, 512)])
    head = top(800)
    runs["cached"] = epochs(head, head.parameters(), features, ty, vfeatures, vy, EPOCHS["cached"], 3)
    for workload, seconds in runs.items():
        print(f"RESULT {workload} torch {threads} {train} " + " ".join(f"{s:.4f}" for s in seconds), flush=True)


if __name__ == "__main__":
    main()
