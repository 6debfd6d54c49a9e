#!/usr/bin/env python3
"""Summarises native-builds.sh: examples/s per workload and build (every round's value, the median), the speed
against the bundled linux-x86_64 build round by round, and whether the trained parameters are the same bits."""
import statistics
import sys
from collections import defaultdict

results, load, threads = sys.argv[1], sys.argv[2], sys.argv[3]
speed = defaultdict(dict)      # (workload, build) -> {round: examples/s}
hashes = defaultdict(set)      # (workload, build) -> parameter hashes
rows_of = {}
builds, workloads = [], []
for line in open(results):
    f = line.split()
    rnd, build, workload, rows, digest, epochs = int(f[0]), f[2], f[3], int(f[4]), f[5], [float(x) for x in f[6:]]
    speed[(workload, build)][rnd] = rows / statistics.median(epochs[1:])   # the first epoch warms up
    hashes[(workload, build)].add(digest)
    rows_of[workload] = rows
    if build not in builds:
        builds.append(build)
    if workload not in workloads:
        workloads.append(workload)
bundled = "linux-x86_64"
print(f"nd4j-native builds, plain DL4J loop, {threads} OpenMP threads (passive waiting), 1 BLAS thread; "
      "examples/s = training rows / median epoch after the first")
print()
print(open(load).read().strip().replace("\n", "; "))
print()
print("| workload | build | examples/s (median) [rounds] | speed / linux-x86_64 (median) [rounds] | parameters |")
print("|---|---|---|---|---|")
for w in workloads:
    base = hashes.get((w, bundled), set())
    for b in sorted(builds, key=builds.index):
        s = speed[(w, b)]
        vals = [s[r] for r in sorted(s)]
        ratios = [s[r] / speed[(w, bundled)][r] for r in sorted(s) if r in speed[(w, bundled)]]
        h = hashes[(w, b)]
        if len(h) > 1:
            same = f"differ between reruns ({len(h)} hashes)"
        elif b == bundled:
            same = "reruns identical"
        else:
            same = "same bits as linux-x86_64" if h == base else "differ from linux-x86_64 (reruns identical)"
        ratio = (f"{statistics.median(ratios):.2f} [{', '.join(f'{v:.2f}' for v in ratios)}]" if ratios else "n/a")
        print(f"| {w} ({rows_of[w]} rows) | {b} | {statistics.median(vals):.0f} [{', '.join(f'{v:.0f}' for v in vals)}] | "
              f"{ratio} | {same} |")
