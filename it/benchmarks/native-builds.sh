#!/usr/bin/env bash
# nd4j-native's native builds side by side (issue 18): one JVM per build (a native library loads once per JVM), the
# build's jar in place of the bundled linux-x86_64 one, the plain DL4J loop on the MLP, LeNet and the cached head,
# the builds' order rotating per round, the load average per round, and a hash of the trained parameters per run.
# Run through Maven (it puts the engine and DL4J on the classpath):
#   mvn -B -o verify -pl finetune-spec-schema,finetune-maven-plugin,it -Pnative-benchmark -DskipTests [-Dnative.rounds=3]
# Direct use: it/benchmarks/native-builds.sh OUT CLASSPATH ROUNDS THREADS "BUILDS..." [TRAINROWS LENETROWS]
# A build the CPU cannot run (avx512 without avx512f in /proc/cpuinfo) is skipped with a message. BUILD+helpers runs
# BUILD with DL4J's oneDNN layer helpers on, as the plugin's fork runs a -onednn build: the property
# org.eclipse.deeplearning4j.helpers.disable=false and the plugin's classes (NATIVE_HELPERS_CP, for the class DL4J's
# oneDNN check looks for) first on the classpath. NATIVE_WORKLOADS=lenet,... runs only those workloads.
set -euo pipefail
out=$1; classpath=$2; rounds=${3:-3}; threads=${4:-2}
builds=(${5:-linux-x86_64 linux-x86_64-avx2 linux-x86_64-onednn linux-x86_64-onednn-avx2})
train=${6:-1920}; lenet=${7:-480}; validation=240
here="$(cd "$(dirname "$0")" && pwd)"
it="$(cd "$here/.." && pwd)"
mkdir -p "$out"; results="$out/results.txt"; : > "$results"
bundled=$(tr ':' '\n' <<< "$classpath" | grep '/nd4j-native/[^/]*/nd4j-native-[^/]*-linux-x86_64\.jar$')
flags=$(grep -m1 '^flags' /proc/cpuinfo)
runnable=()
for b in "${builds[@]}"; do
  case "$b" in
    *avx512*) [[ " $flags " == *" avx512f "* ]] || { echo "skipped $b: the CPU lacks avx512f"; continue; } ;;
    *avx2*) [[ " $flags " == *" avx2 "* ]] || { echo "skipped $b: the CPU lacks avx2"; continue; } ;;
  esac
  jar="${bundled%-linux-x86_64.jar}-${b%+helpers}.jar"
  [ -f "$jar" ] || { echo "skipped $b: $jar is missing (mvn dependency:get -Dartifact=org.nd4j:nd4j-native:1.0.0-M2.1:jar:$b)"; continue; }
  runnable+=("$b")
done
java -cp "$classpath" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.finetune.it.PeerBenchmark prepare "$out" $((train + validation)) "$it/generator/mnist"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$out/load.txt"
n=${#runnable[@]}
for r in $(seq "$rounds"); do
  for i in $(seq 0 $((n - 1))); do
    b=${runnable[$(((i + r - 1) % n))]}
    jar="${bundled%-linux-x86_64.jar}-${b%+helpers}.jar"
    extra=""; helpers=""
    [[ "$b" == *+helpers ]] && { extra="$NATIVE_HELPERS_CP:"; helpers=-Dorg.eclipse.deeplearning4j.helpers.disable=false; }
    OMP_WAIT_POLICY=passive OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=1 \
      java -cp "$extra${classpath/$bundled/$jar}" $helpers -Dorg.slf4j.simpleLogger.defaultLogLevel=warn dev.finetune.it.PeerBenchmark \
        natives "$out" "$threads" "$it/example/mnist-lenet/mnist-lenet.zip" "$b" "$train" "$lenet" "$validation" ${NATIVE_WORKLOADS:-} \
      | grep '^NATIVE' | sed "s/^/$r /" | tee -a "$results"
  done
  echo "round $r done; load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/load.txt"
python3 "$here/native_summary.py" "$results" "$out/load.txt" "$threads" | tee "$out/native-builds.md"
