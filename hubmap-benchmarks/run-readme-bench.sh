#!/usr/bin/env bash
# Re-measures every row of the README's "Benchmarks" table in one run (about 25 minutes on 2 idle cores), so that
# the ratios in it come from the same machine in the same period. Each step's full log is kept in $OUT; the last
# lines printed are the figures the table quotes, with the load average before each step.
#
#   hubmap-benchmarks/run-readme-bench.sh            # everything
#   STEPS="rle stitch" hubmap-benchmarks/run-readme-bench.sh
#
# Steps: rle stitch region wsi wsi-full deflate synth loss deepzoom models. Environment: STEPS, OUT (default
# hubmap-benchmarks/target/readme-bench). Needs /usr/bin/python3 with torch and torchvision for the model step.
# Builds the benchmark jar if it is missing. Run it on a machine with nothing else running: wall times of a shared
# machine move several-fold (docs/benchmarks.md measures by CPU time for that reason).
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=${STEPS:-"rle stitch region wsi wsi-full deflate synth loss deepzoom models"}
OUT=${OUT:-hubmap-benchmarks/target/readme-bench}
JAR=hubmap-benchmarks/target/benchmarks.jar
SIMD=--add-modules=jdk.incubator.vector
if [ ! -f "$JAR" ]; then
  mvn -B -q -DskipTests -Dmaven.javadoc.skip=true package -pl hubmap-benchmarks -am
fi
mkdir -p "$OUT"
summary="$OUT/summary.txt"
: >"$summary"
say() { echo "$*" | tee -a "$summary"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
jmh() { # name, then JMH arguments
  local name=$1; shift
  say "== $name (load $(load)): java -jar $JAR $*"
  java -Djmh.ignoreLock=true -jar "$JAR" "$@" -rf json -rff "$OUT/$name.json" >"$OUT/$name.log" 2>&1 \
    || { tail -30 "$OUT/$name.log" >&2; exit 1; }
  /usr/bin/python3 - "$OUT/$name.json" <<'PY' | tee -a "$summary"
import json, sys
for b in json.load(open(sys.argv[1])):
    p = ",".join(f"{k}={v}" for k, v in sorted(b.get("params", {}).items()))
    m = b["primaryMetric"]
    raw = [v for it in m["rawData"] for v in it]
    print(f"  {b['benchmark'].rsplit('.', 2)[-2]}.{b['benchmark'].rsplit('.', 1)[-1]} [{p}]: "
          f"{m['score']:.3f} +- {m['scoreError']:.3f} {m['scoreUnit']} (min {min(raw):.3f}, max {max(raw):.3f})")
PY
}
measure() { # name, then java arguments; keeps the lines matching $KEEP
  local name=$1; shift
  say "== $name (load $(load)): java $*"
  java "$@" >"$OUT/$name.log" 2>&1 || { tail -30 "$OUT/$name.log" >&2; exit 1; }
  grep -E "${KEEP:-median|ratio|/}" "$OUT/$name.log" | tail -${TAIL:-6} | sed 's/^/  /' | tee -a "$summary"
}
for step in $STEPS; do
  case $step in
    rle) jmh rle RleBenchmark -f 1 -wi 3 -i 10 -w 1 -r 1 ;;
    stitch)
      jmh stitch 'StitchBenchmark.(canvas|band|copyBaseline)$' -f 1 -wi 3 -i 8 -w 1 -r 1
      jmh stitch-scalar 'StitchBenchmark.(canvas|band|copyBaseline)$' -f 1 -wi 3 -i 8 -w 1 -r 1 \
        -jvmArgsAppend -Dhubmap.simd=off ;;
    region) jmh region TiffRegionBenchmark -f 1 -wi 2 -i 5 -w 1 -r 1 -jvmArgs -Xmx32m ;;
    wsi) measure wsi -Xmx1g -XX:G1HeapRegionSize=4m $SIMD -cp "$JAR" \
      io.github.hubmapseg.benchmarks.tiling.WholeSlideCpuMeasure 12000 10000 tiled 5 ;;
    wsi-full) measure wsi-full -Xmx1g -XX:G1HeapRegionSize=4m $SIMD -cp "$JAR" \
      io.github.hubmapseg.benchmarks.tiling.WholeSlideCpuMeasure 30000 25000 tiled 1 ;;
    deflate) measure deflate -Xmx1g -XX:G1HeapRegionSize=4m $SIMD -cp "$JAR" \
      io.github.hubmapseg.benchmarks.tiling.WholeSlideCpuMeasure 12000 10000 deflate 3 ;;
    synth)
      jmh synth SyntheticSlideBenchmark -f 1 -wi 2 -i 3 -w 1 -r 1
      KEEP="  |per pixel" TAIL=8 measure synth -cp "$JAR" \
      io.github.hubmapseg.benchmarks.slide.SyntheticProfileMeasure --rounds 8 ;;
    loss) jmh loss LossBenchmark -f 1 -wi 2 -i 3 -w 1 -r 1 -p logits=init ;;
    deepzoom) KEEP="." TAIL=4 measure deepzoom -Xmx512m -cp "$JAR" io.github.hubmapseg.benchmarks.report.DeepZoomMeasure ;;
    models)
      say "== models (load $(load)): run-model-bench.sh tiny (8 calls) and resnext50_32x4d (3 calls), 1 and 2 threads"
      THREADS="1 2" NETS=tiny ITERS=8 WARMUP=3 OUT="$OUT/models-tiny" hubmap-benchmarks/run-model-bench.sh \
        2>"$OUT/models-tiny.log" | tee -a "$summary"
      THREADS="1 2" NETS=resnext50_32x4d ITERS=3 WARMUP=1 OUT="$OUT/models-resnext" \
        hubmap-benchmarks/run-model-bench.sh 2>"$OUT/models-resnext.log" | tee -a "$summary" ;;
    *) echo "unknown step '$step' (expected: rle stitch region wsi wsi-full deflate synth loss deepzoom models)" >&2
       exit 2 ;;
  esac
done
say "== done (load $(load)); logs in $OUT"
