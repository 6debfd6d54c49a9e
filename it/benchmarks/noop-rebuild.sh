#!/usr/bin/env bash
# No-op rebuild benchmark (issue 5): `mvn package` of the example's model module with nothing changed, against the
# same build with -Dfinetune.skip, alternating, in one run; prints each time, the medians and their ratio.
# Needs the plugin and the example installed first (the README's quick start). Usage: it/benchmarks/noop-rebuild.sh [ROUNDS]
set -euo pipefail
rounds=${1:-7}
example="$(cd "$(dirname "$0")/../example" && pwd)"
cd "$example"
mvn -o -q -B package -pl digits-5to9 >/dev/null 2>&1   # make sure everything is up to date first

seconds() { local t0 t1; t0=$(date +%s%N); mvn -o -q -B package -pl digits-5to9 "$@" >/dev/null 2>&1; t1=$(date +%s%N); awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

noop=(); skip=()
for i in $(seq "$rounds"); do
  noop+=("$(seconds)")
  skip+=("$(seconds -Dfinetune.skip)")
done
m_noop=$(median "${noop[@]}"); m_skip=$(median "${skip[@]}")
echo "no-op rebuild (s):         ${noop[*]}"
echo "with -Dfinetune.skip (s):  ${skip[*]}"
ratios=(); for i in "${!noop[@]}"; do ratios+=("$(awk -v a="${noop[$i]}" -v b="${skip[$i]}" 'BEGIN {printf "%.3f", a / b}')"); done
echo "median no-op ${m_noop} s, median skip ${m_skip} s, ratio of medians $(awk -v a="$m_noop" -v b="$m_skip" 'BEGIN {printf "%.2f", a / b}')x;"\
  "median of the rounds' ratios $(median "${ratios[@]}")x (target <= 1.3x)"
