#!/usr/bin/env bash
# The training rows of the hard-profile ablation (docs/synth-hard.md): every command, in order, one run at a
# time. HUBMAP: the launcher (default ./hubmap); R: the folder of the runs (default runs). Each step is skipped
# when its output exists, so the script can be rerun after an interruption.
#
#   seed 42 (the recipe's train.seed)   seed 7 (the second training seed)
#   s42-pseudo: stage 1 = baseline      s7-pseudo: stage 1 = baseline, seed 7
#               stage 2 = pseudo-labels            stage 2 = pseudo-labels, seed 7
#   s42-folds4: 4 folds instead of 2    s7-folds4: 4 folds, seed 7
set -euo pipefail
H=${HUBMAP:-./hubmap}
R=${R:-runs}
N="nice -n 10"
mkdir -p "$R"
# Training: the default `./hubmap reproduce` (hard profile, cpu-quick) with pseudo-labels switched on for a second
# stage of the same length as the first (pseudo.epochs=10; the recipe default is 25): stage 1 is the plain run.
train() { # name, extra arguments
  local name=$1; shift
  [[ -f "$R/$name/report.txt" ]] && return 0
  $N $H reproduce --out "$R/$name" "$@" > "$R/$name.log" 2>&1
}
train s42-pseudo --set pseudo.enabled=true --set pseudo.epochs=10
D="$R/s42-pseudo/data"     # the same 16 slides for every run
train s7-pseudo --data "$D" --set train.seed=7 --set pseudo.enabled=true --set pseudo.epochs=10
train s42-folds4 --data "$D" --set cv.folds=4
train s7-folds4 --data "$D" --set cv.folds=4 --set train.seed=7
