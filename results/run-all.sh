#!/usr/bin/env bash
# Runs every report of the README in order, on the current models (about 1.5 h on a 2-core CPU).
# Each writes its table under results/; logs go to results/logs/.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p results/logs
run() { # name, maven options, args
  local name=$1 opts=$2; shift 2
  echo "== $name $(date -u +%H:%M:%S)"
  MAVEN_OPTS="$opts" mvn -q -o "$@" > "results/logs/$name.log" 2>&1
  echo "   exit $? $(date -u +%H:%M:%S)"
}
run benchmark "-Xmx2g" compile exec:java -Ddiffusion.args="benchmark --out results/benchmark-cpu.md"
run real-quality "-Xmx4g" compile exec:java -Ddiffusion.args="real-quality --out results/real-quality.md"
run train-report "-Xmx4g" compile exec:java -Ddiffusion.args="train-report --out results/training.md"
run spark-benchmark "-Xmx2g" -Pspark compile exec:java -Ddiffusion.args="spark-benchmark --out results/spark-benchmark.md"
