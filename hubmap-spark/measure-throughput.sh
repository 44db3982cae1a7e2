#!/usr/bin/env bash
# Throughput of `hubmap predict --out-dir` on one synthetic cohort: the JVM engine, --engine spark local[2] and a
# 2-Worker Spark standalone cluster on 127.0.0.1 (Master and Workers started here from the CLI's distribution),
# first with the ensemble, then with every window skipped (--tissue-filter 255: no model call; the engine's own
# cost: slide reads, tiling, RLE, units, Spark). Prints one line per run: wall seconds, slides/hour, MP/s.
#
#   mvn -B -q -DskipTests package
#   hubmap-spark/measure-throughput.sh ENSEMBLE [SLIDES [SIDE]]     (default 24 slides of 2048x2048)
#
# ENSEMBLE: an ensemble.json or checkpoint .zip, e.g. runs/reproduce/ensemble.json of `./hubmap reproduce`.
# Work files go to ${WORK:-target/spark-measure}; nothing listens outside 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ensemble="$(realpath "$1")"
slides="${2:-24}"
side="${3:-2048}"
work="$(realpath -m "${WORK:-$root/target/spark-measure}")"
lib="$root/hubmap-cli/target/lib"
hubmap="$root/hubmap"
mkdir -p "$work"
data="$work/data-$slides-$side"
if [[ ! -f "$data/sample_submission.csv" ]]; then
  "$hubmap" synth --out "$data" --slides $((slides + 1)) --test-slides "$slides" --size "${side}x${side}" --seed 17 >/dev/null
fi
mp=$(awk -v n="$slides" -v s="$side" 'BEGIN { printf "%.1f", n * s * s / 1e6 }')

# Spark's JDK 17 options, from the launcher (one list)
mapfile -t opens < <(sed -n '/spark_opts=(-XX/,/useDirectMethodHandle=false)/p' "$hubmap" | tr -d '()' \
  | sed 's/spark_opts=//' | tr ' ' '\n' | sed '/^$/d')

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

start_cluster() {
  local home="$work/spark-home"
  mkdir -p "$home" && ln -sfn "$lib" "$home/jars"
  port=$(free_port)
  export SPARK_LOCAL_IP=127.0.0.1 SPARK_HOME="$home" SPARK_SCALA_VERSION=2.12
  java -Xmx256m "${opens[@]}" -cp "$lib/*" org.apache.spark.deploy.master.Master --host 127.0.0.1 \
    --port "$port" --webui-port "$(free_port)" >"$work/master.log" 2>&1 &
  pids+=($!)
  for i in 0 1; do
    mkdir -p "$work/worker-$i"
    java -Xmx256m "${opens[@]}" -cp "$lib/*" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 \
      --port "$(free_port)" --webui-port "$(free_port)" --cores 1 --memory 3g --work-dir "$work/worker-$i" \
      "spark://127.0.0.1:$port" >"$work/worker-$i.log" 2>&1 &
    pids+=($!)
  done
  master="spark://127.0.0.1:$port"
}

run() { # NAME REFERENCE-RUN|- ARGS...
  local name="$1" ref="$2"; shift 2
  local out="$work/out-$name"
  rm -rf "$out"
  local t0 t1
  t0=$(date +%s.%N)
  "$hubmap" predict --data "$data" --ensemble "$ensemble" --out-dir "$out" "$@" >"$work/$name.log" 2>&1
  t1=$(date +%s.%N)
  awk -v n="$name" -v a="$t0" -v b="$t1" -v s="$slides" -v mp="$mp" 'BEGIN {
    w = b - a; printf "%-22s %7.1f s  %7.0f slides/h  %6.2f MP/s\n", n, w, s * 3600 / w, mp / w }'
  if [[ "$ref" != - ]] && ! cmp -s "$out/submission.csv" "$work/out-$ref/submission.csv"; then
    echo "$name: submission.csv differs from the $ref run's" >&2
    exit 1
  fi
}

echo "cohort: $slides slides of ${side}x${side} ($mp MP), ensemble $ensemble, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
start_cluster
run jvm -
run spark-local2 jvm --engine spark --master 'local[2]'
run spark-cluster2 jvm --engine spark --master "$master" --spark-conf spark.executor.memory=2g \
  --spark-conf spark.cores.max=2 --spark-conf spark.executor.cores=1
run jvm-skip - --tissue-filter 255
run spark-local2-skip jvm-skip --tissue-filter 255 --engine spark --master 'local[2]'
run spark-cluster2-skip jvm-skip --tissue-filter 255 --engine spark --master "$master" --spark-conf spark.executor.memory=2g \
  --spark-conf spark.cores.max=2 --spark-conf spark.executor.cores=1
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
