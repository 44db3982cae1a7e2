#!/usr/bin/env bash
# DL4J (JMH ModelBenchmark) against PyTorch (src/main/python/models_torch_bench.py) on the same machine, in the
# same time window: for every thread count and net, the DL4J run is followed at once by the PyTorch run with
# the same OMP_NUM_THREADS, then the table of minima (and means) with the ratio DL4J / PyTorch is printed.
#
#   hubmap-benchmarks/run-model-bench.sh                 # threads 1 and 2, tiny and resnext50_32x4d U-Nets
#   THREADS="1" NETS=tiny ITERS=5 hubmap-benchmarks/run-model-bench.sh
#
# Environment: THREADS (default "1 2"), NETS (default "tiny,resnext50_32x4d"), ITERS measured calls (default 8),
# WARMUP calls (default 3), OUT results folder (default hubmap-benchmarks/target/model-bench), JAVA_OPTS extra
# JVM options of the benchmark fork (e.g. "-Dhubmap.accelerate=false" to measure DL4J's own layers),
# OMP_WAIT_POLICY for both sides (default PASSIVE, as Dl4jRuntime sets for DL4J).
# Needs /usr/bin/python3 with torch and torchvision. Builds the benchmark jar if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=${THREADS:-"1 2"}
NETS=${NETS:-"tiny,resnext50_32x4d"}
ITERS=${ITERS:-8}
WARMUP=${WARMUP:-3}
OUT=${OUT:-hubmap-benchmarks/target/model-bench}
# the DL4J side sets OMP_WAIT_POLICY=PASSIVE itself (Dl4jRuntime); give PyTorch the same OpenMP policy
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
JAR=hubmap-benchmarks/target/benchmarks.jar
if [ ! -f "$JAR" ]; then
  mvn -B -q -DskipTests -Dmaven.javadoc.skip=true package -pl hubmap-benchmarks -am
fi
mkdir -p "$OUT"
rm -f "$OUT"/*.json
for t in $THREADS; do
  for net in ${NETS//,/ }; do
    echo "== $net, $t thread(s): DL4J" >&2
    jvm=()
    if [ -n "${JAVA_OPTS:-}" ]; then jvm=(-jvmArgsAppend "$JAVA_OPTS"); fi
    # ignoreLock: JMH refuses to start while another JMH run (any benchmark, any user) holds /tmp/jmh.lock
    OMP_NUM_THREADS=$t java -Djmh.ignoreLock=true -jar "$JAR" ModelBenchmark -p encoder="$net" -bm ss -wi "$WARMUP" -i "$ITERS" -f 1 \
      -tu ms "${jvm[@]}" -rf json -rff "$OUT/dl4j-$net-$t.json" >"$OUT/dl4j-$net-$t.log" 2>&1 \
      || { tail -30 "$OUT/dl4j-$net-$t.log" >&2; exit 1; }
    grep -m1 "# backend" "$OUT/dl4j-$net-$t.log" >&2 || true
    echo "== $net, $t thread(s): PyTorch" >&2
    OMP_NUM_THREADS=$t /usr/bin/python3 hubmap-benchmarks/src/main/python/models_torch_bench.py --threads "$t" \
      --nets "$net" --iters "$ITERS" --warmup "$WARMUP" --json "$OUT/torch-$net-$t.json" >&2
  done
done
/usr/bin/python3 - "$OUT" "$ITERS" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
rows = {}
for f in sorted(glob.glob(os.path.join(out, "dl4j-*.json"))):
    net, t = os.path.basename(f)[5:-5].rsplit("-", 1)
    for b in json.load(open(f)):
        raw = [v for it in b["primaryMetric"]["rawData"] for v in it]
        kind = "fwd" if b["benchmark"].endswith(".forward") else "step"
        rows.setdefault((net, int(t)), {})["dl4j_" + kind] = (min(raw), sum(raw) / len(raw))
for f in sorted(glob.glob(os.path.join(out, "torch-*.json"))):
    for r in json.load(open(f))["results"]:
        d = rows.setdefault((r["net"], r["threads"]), {})
        d["torch_fwd"] = (r["forward_min_ms"], r["forward_mean_ms"])
        d["torch_step"] = (r["step_min_ms"], r["step_mean_ms"])
def cell(v):
    return "%.0f (%.0f)" % v if v else "-"
def ratio(a, b):
    return "%.2f" % (a[0] / b[0]) if a and b else "-"
print("\nms per call, min (mean) of %s calls; ratio = DL4J min / PyTorch min" % sys.argv[2])
print("| net | threads | forward DL4J | forward PyTorch | ratio | train step DL4J | train step PyTorch | ratio |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for (net, t), d in sorted(rows.items()):
    g = d.get
    print("| %s | %d | %s | %s | %s | %s | %s | %s |" % (net, t, cell(g("dl4j_fwd")), cell(g("torch_fwd")),
          ratio(g("dl4j_fwd"), g("torch_fwd")), cell(g("dl4j_step")), cell(g("torch_step")),
          ratio(g("dl4j_step"), g("torch_step"))))
PY
