#!/usr/bin/env bash
# Side-by-side benchmark against PyTorch (issue 18): the plugin's engine, a plain DL4J loop and PyTorch on the same
# data (written once), network, batch size, optimizer and thread count, in interleaved rounds; prints every round's
# value, the medians, the ratios and the load average, into OUT/peer-benchmark.md.
# Run through Maven (it puts the engine and DL4J on the classpath):
#   mvn -B -o verify -pl finetune-spec-schema,finetune-maven-plugin,it -Ppeer-benchmark -DskipTests [-Dpeer.rounds=3 -Dpeer.threads="1 2"]
# Direct use: it/benchmarks/pytorch-peer.sh OUT CLASSPATH ROUNDS "THREADS..." ROWS
# PyTorch comes from Debian's python3-torch (apt-get install python3-torch); without it the PyTorch column is left out.
set -euo pipefail
out=$1; classpath=$2; rounds=${3:-3}; threads=${4:-"1 2"}; rows=${5:-2400}
here="$(cd "$(dirname "$0")" && pwd)"
it="$(cd "$here/.." && pwd)"
python=${PYTHON:-/usr/bin/python3}
mkdir -p "$out"
results="$out/results.txt"; : > "$results"
# PEER_JAVA_OPTS: e.g. the fork's -Dorg.eclipse.deeplearning4j.helpers.disable=false for a -onednn build on the classpath
java_main() { java -cp "$classpath" ${PEER_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.finetune.it.PeerBenchmark "$@"; }

# the Java side runs the native build the plugin's training JVM picks on this CPU (NativeBuild: its jar in place of the
# bundled one, and its properties), unless PEER_NATIVE names another classifier ("linux-x86_64": the bundled build)
read -r native native_opts <<< "$(java_main native-build)"
if [ -n "${PEER_NATIVE:-}" ]; then
  native=$PEER_NATIVE; native_opts=""
  [[ "$native" == *onednn* ]] && native_opts=-Dorg.eclipse.deeplearning4j.helpers.disable=false
fi
bundled=$(tr ':' '\n' <<< "$classpath" | grep '/nd4j-native/[^/]*/nd4j-native-[^/]*-linux-x86_64\.jar$')
jar="${bundled%-linux-x86_64.jar}-$native.jar"
[ -f "$jar" ] || { echo "the native build $native is not in the local repository: mvn dependency:get -Dartifact=org.nd4j:nd4j-native:1.0.0-M2.1:jar:$native -Dtransitive=false"; exit 1; }
classpath=${classpath/$bundled/$jar}
PEER_JAVA_OPTS="${PEER_JAVA_OPTS:-} $native_opts"
printf %s "$classpath" > "$out/classpath.txt"; printf %s "$native_opts" > "$out/java-opts.txt"   # for rerunning a part by hand
echo "Java side's native build: $native ${native_opts:-}"
java_main prepare "$out" "$rows" "$it/generator/mnist"
torch=yes
if ! "$python" -c 'import torch' 2>/dev/null; then
  torch=no
  echo "PyTorch is not installed for $python (Debian: apt-get install python3-torch): the PyTorch column is left out"
fi
# Debian's torch calls whatever libblas.so.3 the system's alternatives name; the reference BLAS (libblas3, what
# python3-torch pulls in alone) is ~20x slower at GEMM than OpenBLAS, which would make PyTorch an unfair peer. With
# libopenblas0-pthread installed, torch gets it through LD_LIBRARY_PATH (the system's choice stays as it is).
openblas=${PEER_OPENBLAS_DIR:-/usr/lib/x86_64-linux-gnu/openblas-pthread}
if [ -e "$openblas/libblas.so.3" ]; then torch_blas="OpenBLAS ($openblas)"; else
  openblas=""; torch_blas="the system's libblas.so.3 ($(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo unknown))"
  case "$torch_blas" in *openblas*) ;; *) echo "warning: PyTorch runs on the reference BLAS; apt-get install libopenblas0-pthread for a fair peer";; esac
fi
{ echo "PyTorch's BLAS: $torch_blas"; echo "Java side's native build: $native ${native_opts:-}"; } | tee "$out/load.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"

# the fork's environment: passive OpenMP waiting, OpenMP threads as finetune.threads, 1 BLAS thread; the same for PyTorch
run_java() {
  OMP_WAIT_POLICY=passive OMP_NUM_THREADS=$1 OPENBLAS_NUM_THREADS=1 \
    java_main round "$out" "$1" "$it/example/mnist-lenet/mnist-lenet.zip" | tee -a "$out/java.log" | grep '^RESULT' | sed "s/^/$2 /" >> "$results"
}
run_torch() {
  [ "$torch" = yes ] || return 0
  local train validation
  train=$(grep -h '"trainExamples"' "$out/plugin-mlp-$1/training.json" | tr -dc 0-9)
  validation=$(grep -h '"validationExamples"' "$out/plugin-mlp-$1/training.json" | tr -dc 0-9)
  LD_LIBRARY_PATH="$openblas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=passive OMP_NUM_THREADS=$1 "$python" "$here/pytorch_peer.py" "$out/mnist.csv" "$train" "$validation" "$1" \
    | grep '^RESULT' | sed "s/^/$2 /" >> "$results"
}
for r in $(seq "$rounds"); do
  for t in $threads; do
    # alternate who goes first, so a drift in the machine's load does not always favour the same side
    # (round 1 runs Java first: PyTorch takes the split's sizes from the plugin's training.json)
    if [ $((r % 2)) -eq 1 ]; then run_java "$t" "$r"; run_torch "$t" "$r"; else run_torch "$t" "$r"; run_java "$t" "$r"; fi
    echo "round $r threads $t done; load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"
"$python" "$here/peer_summary.py" "$results" "$out/load.txt" | tee "$out/peer-benchmark.md"
