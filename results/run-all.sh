#!/usr/bin/env bash
# Runs every report of the README in order, on the current models (about 2 h on a 2-core CPU).
# Each writes its table under results/; logs go to results/logs/. Needs Debian's python3-torch,
# python3-skimage, python3-pywt, python3-scipy, python3-matplotlib, ffmpeg and opencv-doc, and the
# project's shared micrograph folder (../shared/data/micrographs, every file checked by its git blob).
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p results/logs
run() { # name, maven options, args
  local name=$1 opts=$2; shift 2
  echo "== $name $(date -u +%H:%M:%S)"
  MAVEN_OPTS="$opts" mvn -q -o "$@" > "results/logs/$name.log" 2>&1
  echo "   exit $? $(date -u +%H:%M:%S)"
}
py() { # name, script, args
  local name=$1; shift
  echo "== $name $(date -u +%H:%M:%S)"
  /usr/bin/python3 "$@" > "results/logs/$name.log" 2>&1
  echo "   exit $? $(date -u +%H:%M:%S)"
}
mvn -q -o compile test-compile
# the speed benchmark first, on a quiet machine
run benchmark "-Xmx2g" test-compile exec:java -Ddiffusion.args="benchmark --out results/benchmark-cpu.md"
py speed-bm3d tools/speed_report.py --rounds 5 --costs --out results/speed-bm3d.md
py flops tools/flops.py
py micro-testset tools/micro_testset.py --out data/micro-report
py noise-sigma tools/sigma_check.py --out results/noise-sigma.md
py micro-quality tools/micro_report.py --out results/micro-quality.md
py micro-quality-blind tools/micro_report.py --variants blind --classical "" --out results/micro-quality-blind.md
py precision tools/precision_report.py --out results/precision.md
py one-step tools/precision_report.py --compare one-step --out results/one-step.md
py adapt tools/adapt_report.py --out results/adapt.md
py error-estimate tools/error_report.py --out results/error-estimate.md
py error-estimate-told tools/error_report.py --told --out results/error-estimate-told.md
py error-estimate-clean-ref tools/error_report.py --clean-references --out results/error-estimate-clean-ref.md --work target/error-report-clean
py std-calibration tools/std_report.py --out results/std-calibration.md
py noisy-training tools/noisy_report.py --out results/noisy-training.md
py noisy-training-clean-ref tools/noisy_report.py --clean-references --parts domain --out results/noisy-training-clean-ref.md
py judge-check tools/judge_check.py --out results/judge-check.md
py n2v-budget tools/n2v_budget.py --out results/n2v-budget.md
py keys tools/keys.py
py volume tools/volume_report.py --out results/volume.md
py inpaint-quality tools/inpaint_report.py --out results/inpaint-quality.md
run real-quality "-Xmx4g" test-compile exec:java -Ddiffusion.args="real-quality --out results/real-quality.md"
run train-report "-Xmx4g" test-compile exec:java -Ddiffusion.args="train-report --out results/training.md"
run spark-benchmark "-Xmx2g" -Pspark test-compile exec:java -Ddiffusion.args="spark-benchmark --out results/spark-benchmark.md"
