#!/usr/bin/env bash
# The training rows of the hard-profile ablation (docs/synth-hard.md): every command, in order, one run at a
# time. HUBMAP: the launcher (default ./hubmap); R: the folder of the runs (default runs). Each step is skipped
# when its output exists, so the script can be rerun after an interruption.
#
#   seed 42 (the recipe's train.seed)   seed 7 (the second training seed)
#   s42-pseudo: stage 1 = baseline      s7-pseudo: stage 1 = baseline, seed 7
#               stage 2 = pseudo-labels            stage 2 = pseudo-labels, seed 7
#   s42-folds4: 4 folds instead of 2    s7-folds4: 4 folds, seed 7
#   hand-a, hand-b: the 3rd place's outlier remedy on the outlier-dense data (below), stage 2 only
# Usage: docs/synth-hard-ablation.sh [all|rows|hand]   (rows: only the inference rows, on the runs that exist;
#   hand: only the hand-label runs and their rows, given s42-pseudo's stage 1)
# Dry run on tiny data (seconds per step; the commands, not the figures):
#   R=/tmp/dry SLIDES=8 TEST_SLIDES=3 SIZE=1024 EXTRA="--set train.epochs=1 --set data.tiles_per_epoch=8" \
#     HUBMAP=./hubmap docs/synth-hard-ablation.sh all
set -euo pipefail
STAGE=${1:-all}
H=${HUBMAP:-./hubmap}
R=${R:-runs}
N="nice -n 10"
SYNTH=(--slides "${SLIDES:-16}" --test-slides "${TEST_SLIDES:-8}" --size "${SIZE:-4096}")
read -ra X <<< "${EXTRA:-}"   # extra reproduce arguments for every training run (the dry run's tiny settings)
mkdir -p "$R"
# Training: the default `./hubmap reproduce` (hard profile, cpu-quick) with pseudo-labels switched on for a second
# stage of the same length as the first (pseudo.epochs=10; the recipe default is 25): stage 1 is the plain run.
train() { # name, extra arguments
  local name=$1; shift
  [[ -f "$R/$name/report.txt" ]] && return 0
  $N $H reproduce --out "$R/$name" "$@" ${X[@]+"${X[@]}"} > "$R/$name.log" 2>&1
}
D="$R/s42-pseudo/data"     # the same 16 slides for every run
if [[ $STAGE == all ]]; then
train s42-pseudo "${SYNTH[@]}" --set pseudo.enabled=true --set pseudo.epochs=10
train s7-pseudo --data "$D" --set train.seed=7 --set pseudo.enabled=true --set pseudo.epochs=10
train s42-folds4 --data "$D" --set cv.folds=4
train s7-folds4 --data "$D" --set cv.folds=4 --set train.seed=7
fi

# Inference rows on the baseline's folds (stage 1 of s42-pseudo, its ensemble-stage1.json; the same for seed 7 when
# that run has its stage 1). E = evaluate against the test truth with intervals and detection figures.
rows() { # run folder, tag
  local run=$1 tag=$2 out="$R/rows"
  [[ -f "$run/ensemble-stage1.json" ]] || return 0
  mkdir -p "$out"
  E() { $H evaluate "$1" "$D/test_truth.csv" --data "$D" "${@:2}"; }
  [[ -f "$out/$tag-base.csv" ]] || $N $H predict --data "$D" --ensemble "$run/ensemble-stage1.json" --out "$out/$tag-base.csv"
  E "$out/$tag-base.csv" > "$out/$tag-base.txt"
  # team A: 2-of-2 vote of the fold members (each member's blended probability at the ensemble threshold)
  [[ -f "$out/$tag-vote.csv" ]] || $N $H predict --data "$D" --ensemble "$run/ensemble-stage1.json" --combine vote:2 \
      --out "$out/$tag-vote.csv"
  E "$out/$tag-vote.csv" --baseline "$out/$tag-base.csv" > "$out/$tag-vote.txt"
  # pseudo-labels (stage 2) and 4 folds, against this seed's baseline
  [[ -f "$run/submission.csv" ]] && E "$run/submission.csv" --baseline "$out/$tag-base.csv" > "$out/$tag-pseudo.txt"
  local f4="$R/${tag}-folds4/submission.csv"
  [[ -f "$f4" ]] && E "$f4" --baseline "$out/$tag-base.csv" > "$out/$tag-folds4.txt"
  return 0
}
rows "$R/s42-pseudo" s42
rows "$R/s7-pseudo" s7

# Outlier effect (3rd and 4th place on d488c759a): the same 16 slides but the outlier test slide (453d07f51) with
# half of its glomeruli sclerotic, labelled (outlier-dense) or not (outlier-control: the same pixels). Only that
# slide differs from the default data, so its prediction is spliced into the baseline's submission for the 7 others.
O="$R/outlier"
mkdir -p "$O"
for v in dense control; do
  [[ -f "$R/outlier-$v/train.csv" ]] || $N $H synth --out "$R/outlier-$v" --profile hard --slides "${SLIDES:-16}" \
      --test-slides "${TEST_SLIDES:-8}" --size "${SIZE:-4096}x${SIZE:-4096}" --seed 42 --patients 4 \
      --outlier-sclerotic 0.5 $([[ $v == control ]] && echo --outlier-unlabelled)
done
# the outlier test slide (453d07f51 on the default 16 slides): the one test_truth.csv row that differs between the two
OID=${OUTLIER_ID:-$(diff <(sort "$R/outlier-dense/test_truth.csv") <(sort "$R/outlier-control/test_truth.csv") \
    | sed -n 's/^< \([^,]*\),.*/\1/p' || true)}
[[ $OID =~ ^[0-9a-z]+$ ]] || { echo "cannot tell the outlier slide (got '$OID'); set OUTLIER_ID" >&2; exit 1; }
if [[ -f "$R/rows/s42-base.csv" ]]; then
  [[ -f "$O/outlier-slide.csv" ]] || $N $H predict --data "$R/outlier-dense" --ensemble "$R/s42-pseudo/ensemble-stage1.json" \
      --ids "$OID" --out "$O/outlier-slide.csv"
  { head -1 "$R/rows/s42-base.csv"; grep -v "^id,\|^$OID," "$R/rows/s42-base.csv"; tail -n +2 "$O/outlier-slide.csv"; } \
      > "$O/spliced.csv"
  $H evaluate "$O/spliced.csv" "$R/outlier-dense/test_truth.csv" --data "$R/outlier-dense" > "$O/labelled.txt"
  $H evaluate "$O/spliced.csv" "$R/outlier-control/test_truth.csv" --data "$R/outlier-control" > "$O/unlabelled.txt"
fi

# The 3rd place's remedy (hand labels of d488c759a): "we used our previous best public test set predictions as
# pseudo labels, together with training images, to train for an additional 25 epochs, starting from a previous run".
# On the outlier-dense data, stage 2 starts from the seed-42 baseline's models (s42-pseudo's stage 1, trained on the
# same 8 training slides: pseudo.stage1 + pseudo.init=stage1, so each run costs one stage 2) and trains for 10 epochs
# (the stage-2 length of s42-pseudo) on the training slides plus the 8 pseudo-labelled test slides:
#   hand-a: pseudo-labels only;  hand-b: the outlier slide's pseudo-label replaced by its hand labels (its truth from
#   test_truth.csv, what a person who labelled it would give: sclerotic glomeruli included).
# Rows, each against the baseline (spliced.csv: the seed-42 stage 1 on the same data): the outlier slide alone (the
# "public LB": seen with its labels) and the 7 others (the "private LB": sclerotic glomeruli not labelled).
S1="$R/s42-pseudo/ensemble-stage1.json"
if [[ ( $STAGE == all || $STAGE == hand ) && -f "$S1" ]]; then
  { head -1 "$R/outlier-dense/test_truth.csv"; grep "^$OID," "$R/outlier-dense/test_truth.csv"; } > "$O/hand-labels.csv"
  HAND=(--data "$R/outlier-dense" --set pseudo.enabled=true --set pseudo.epochs=10 --set pseudo.init=stage1
        --set "pseudo.stage1=$S1")
  train hand-a "${HAND[@]}"
  train hand-b "${HAND[@]}" --set "pseudo.hand_labels=$O/hand-labels.csv"
fi
if [[ -f "$O/spliced.csv" ]]; then
  T="$R/outlier-dense/test_truth.csv"
  { head -1 "$T"; grep "^$OID," "$T"; } > "$O/truth-public.csv"
  { head -1 "$T"; grep -v "^id,\|^$OID," "$T"; } > "$O/truth-private.csv"
  for run in hand-a hand-b; do
    [[ -f "$R/$run/submission.csv" ]] || continue
    for lb in public private; do
      $H evaluate "$R/$run/submission.csv" "$O/truth-$lb.csv" --data "$R/outlier-dense" --baseline "$O/spliced.csv" \
          > "$O/$run-$lb.txt"
    done
    $H evaluate "$R/$run/submission.csv" "$T" --data "$R/outlier-dense" --baseline "$O/spliced.csv" > "$O/$run-all.txt"
  done
  # (b) against (a): what the hand labels add to the same pseudo-label run
  if [[ -f "$R/hand-b/submission.csv" && -f "$R/hand-a/submission.csv" ]]; then
    for lb in public private; do
      $H evaluate "$R/hand-b/submission.csv" "$O/truth-$lb.csv" --data "$R/outlier-dense" \
          --baseline "$R/hand-a/submission.csv" > "$O/hand-b-vs-a-$lb.txt"
    done
  fi
fi
