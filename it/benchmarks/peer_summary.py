#!/usr/bin/env python3
"""Summarises pytorch-peer.sh's results (standard library only) as a Markdown table.

Each result line: ROUND RESULT workload impl threads trainRows epochSeconds... An implementation's speed in a round is
its training rows over the median of its epochs after the first (the first pays JIT compilation and set-up).
Ratios are taken round by round (the runs of one round ran next to each other), then their median is reported."""
import statistics
import sys
from collections import defaultdict


def main():
    speed = defaultdict(dict)  # (workload, threads) -> impl -> {round: examples/s}
    for line in open(sys.argv[1]):
        f = line.split()
        rnd, workload, impl, threads, rows = int(f[0]), f[2], f[3], int(f[4]), int(f[5])
        epochs = [float(s) for s in f[6:]]
        speed[(workload, threads)].setdefault(impl, {})[rnd] = rows / statistics.median(epochs[1:] or epochs)
    load = open(sys.argv[2]).read().strip().splitlines()

    def values(d):
        return "[" + ", ".join(f"{d[r]:.0f}" for r in sorted(d)) + "]"

    def ratios(a, b):
        return {r: a[r] / b[r] for r in a if r in b}

    def cell(d, fmt):
        return (fmt.format(statistics.median(d.values())) + " [" + ", ".join(fmt.format(d[r]) for r in sorted(d)) + "]") if d else "–"

    print("| workload | threads | plugin (examples/s) | plain DL4J | PyTorch | plugin / PyTorch (speed) | plugin / plain DL4J (time per epoch) |")
    print("|---|---|---|---|---|---|---|")
    order = {"mlp": 0, "lenet": 1, "cached": 2}
    for (workload, threads) in sorted(speed, key=lambda k: (order.get(k[0], 9), k[1])):
        s = speed[(workload, threads)]
        plugin, dl4j, torch = s.get("plugin", {}), s.get("dl4j", {}), s.get("torch", {})
        print(f"| {workload} | {threads} | {cell(plugin, '{:.0f}')} | {cell(dl4j, '{:.0f}')} | {cell(torch, '{:.0f}')} | "
              f"{cell(ratios(plugin, torch), '{:.2f}')} | {cell(ratios(dl4j, plugin), '{:.3f}')} |")
    print()
    print("Medians over rounds, every round's value in brackets; " + "; ".join(l for l in load if l.startswith("load average")) + ".")
    for line in (l for l in load if l.startswith(("PyTorch's BLAS", "Java side's native build"))):
        print(line + ".")
    print("Per round: " + "; ".join(l for l in load if l.startswith("round")) + ".")


if __name__ == "__main__":
    main()
