package io.github.hubmapseg.pipeline.folds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FoldsTest {

    private static List<FoldItem> grouped(Object... groupAndCount) {
        List<FoldItem> items = new ArrayList<>();
        for (int i = 0; i < groupAndCount.length; i += 2) {
            String g = (String) groupAndCount[i];
            for (int j = 0; j < (Integer) groupAndCount[i + 1]; j++) {
                items.add(FoldItem.of(g + "_tile" + j, g));
            }
        }
        return items;
    }

    @Test
    void groupKFoldLargestGroupToLightestFold() {
        // sizes A5 B3 C3 D2 E1; order A, C, B (tie: larger key first), D, E
        // A->0 (5,0)  C->1 (5,3)  B->1 (5,6)  D->0 (7,6)  E->1 (7,7)
        FoldAssignment f = Folds.groupKFold(grouped("A", 5, "B", 3, "C", 3, "D", 2, "E", 1), 2);
        assertThat(f.validationGroups(0)).containsExactlyInAnyOrder("A", "D");
        assertThat(f.validationGroups(1)).containsExactlyInAnyOrder("B", "C", "E");
        assertThat(f.foldSizes()).containsExactly(7, 7);
        assertThat(f.method()).isEqualTo("group-kfold");
    }

    @Test
    void groupKFoldNeverSplitsAGroupAndIsDeterministic() {
        SplittableRandom r = new SplittableRandom(3);
        List<FoldItem> items = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            items.add(FoldItem.of("t" + i, "img" + r.nextInt(15)));
        }
        FoldAssignment a = Folds.groupKFold(items, 4);
        assertThat(Folds.groupKFold(items, 4)).isEqualTo(a);
        Map<String, Integer> groupFold = new HashMap<>();
        for (FoldAssignment.Entry e : a.items()) {
            Integer prev = groupFold.putIfAbsent(e.group(), e.fold());
            assertThat(prev == null || prev == e.fold()).as("group %s in one fold", e.group()).isTrue();
        }
        for (int f = 0; f < 4; f++) {
            assertThat(a.trainingIds(f).size() + a.validationIds(f).size()).isEqualTo(400);
            for (String g : a.validationGroups(f)) {
                assertThat(a.trainingIds(f)).noneMatch(id -> items.stream()
                        .anyMatch(it -> it.id().equals(id) && it.group().equals(g)));
            }
        }
    }

    @Test
    void firstPlacePatientFolds() {
        List<FoldItem> items = new ArrayList<>();
        String[][] images = {{"63921", "aaa"}, {"63921", "bbb"}, {"68250", "ccc"}, {"65631", "ddd"},
            {"67177", "eee"}, {"67548", "fff"}};
        for (String[] pi : images) {
            items.add(FoldItem.of(pi[1], pi[0]));
        }
        FoldAssignment f = Folds.byValidationGroups(items,
                List.of(List.of("63921"), List.of("68250"), List.of("65631"), List.of("67177")));
        assertThat(f.k()).isEqualTo(4);
        assertThat(f.validationIds(0)).containsExactly("aaa", "bbb");
        assertThat(f.foldOf("fff")).isEqualTo(FoldAssignment.ALWAYS_TRAIN);
        for (int k = 0; k < 4; k++) {
            assertThat(f.trainingIds(k)).contains("fff");
        }
        FoldAssignment one = Folds.onePerGroup(items);
        assertThat(one.k()).isEqualTo(5);
        assertThat(one.validationGroups(0)).containsExactly("63921");
        assertThatThrownBy(() -> Folds.byValidationGroups(items, List.of(List.of("63921"), List.of("99999"))))
                .hasMessageContaining("'99999'").hasMessageContaining("no item");
        assertThatThrownBy(() -> Folds.byValidationGroups(items, List.of(List.of("63921"), List.of("63921"))))
                .hasMessageContaining("folds 0 and 1");
    }

    @Test
    void stratifiedBalancesEveryLabel() {
        SplittableRandom r = new SplittableRandom(11);
        List<FoldItem> items = new ArrayList<>();
        for (int i = 0; i < 203; i++) {
            items.add(new FoldItem("tile" + i, "img" + (i % 7), r.nextDouble() < 0.2 ? "mask" : "empty"));
        }
        FoldAssignment a = Folds.stratifiedKFold(items, 5, 42);
        assertThat(Folds.stratifiedKFold(items, 5, 42)).isEqualTo(a);
        assertThat(Folds.stratifiedKFold(items, 5, 43)).isNotEqualTo(a);
        int[] sizes = a.foldSizes();
        assertThat(max(sizes) - min(sizes)).isLessThanOrEqualTo(1);
        for (String label : List.of("mask", "empty")) {
            int[] c = new int[5];
            for (FoldAssignment.Entry e : a.items()) {
                if (e.label().equals(label)) {
                    c[e.fold()]++;
                }
            }
            assertThat(max(c) - min(c)).as(label).isLessThanOrEqualTo(1);
        }
        FoldAssignment plain = Folds.kFold(items, 3, 1);
        assertThat(max(plain.foldSizes()) - min(plain.foldSizes())).isLessThanOrEqualTo(1);
        assertThat(plain.method()).isEqualTo("kfold");
    }

    @Test
    void saveAndLoadRoundTrip(@TempDir Path dir) throws Exception {
        List<FoldItem> items = new ArrayList<>(grouped("A", 3, "B", 2, "C", 4));
        items.add(new FoldItem("odd,\"id\"", "A", "x"));
        FoldAssignment a = Folds.groupKFold(items, 3);
        Path json = dir.resolve("folds.json");
        Folds.save(a, json);
        assertThat(Folds.load(json)).isEqualTo(a);
        Path csv = dir.resolve("folds.csv");
        Folds.save(a, csv);
        FoldAssignment b = Folds.load(csv);
        assertThat(b.items()).isEqualTo(a.items());
        assertThat(b.k()).isEqualTo(3);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("folds.json", "folds.csv");
        }
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws Exception {
        List<FoldItem> items = grouped("A", 2, "B", 2, "C", 1);
        assertThatThrownBy(() -> Folds.groupKFold(items, 5))
                .hasMessageContaining("k=5").hasMessageContaining("number of groups (3: [A, B, C])");
        assertThatThrownBy(() -> Folds.groupKFold(items, 1)).hasMessageContaining("k must be >= 2, got 1");
        assertThatThrownBy(() -> Folds.stratifiedKFold(items, 6, 0)).hasMessageContaining("number of items (5");
        assertThatThrownBy(() -> Folds.groupKFold(List.of(FoldItem.of("x", "A"), FoldItem.of("x", "B")), 2))
                .hasMessageContaining("duplicate item id 'x'");
        Path bad = dir.resolve("bad.csv");
        Files.writeString(bad, "id,group,fold\na,A,0\nb,B,zero\n");
        assertThatThrownBy(() -> Folds.load(bad)).hasMessageContaining("bad.csv").hasMessageContaining("line 3")
                .hasMessageContaining("'zero'");
        Path gap = dir.resolve("gap.csv");
        Files.writeString(gap, "id,group,fold\na,A,0\nb,B,2\n");
        assertThatThrownBy(() -> Folds.load(gap)).hasMessageContaining("fold 1 of 3 has no validation item");
        Path js = dir.resolve("x.json");
        Files.writeString(js, "{\"schema\":\"other\"}");
        assertThatThrownBy(() -> Folds.load(js)).hasMessageContaining("hubmap-folds/1");
        assertThatThrownBy(() -> Folds.load(dir.resolve("missing.json"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void groupDealEqualsScikitLearnsDocumentedExample() {
        // StratifiedGroupKFold(n_splits=3) docstring (sklearn/model_selection/_split.py), checked by sklearn's
        // doctests: test folds {3, 6, 7}, {1, 2, 8}, {4, 5}
        List<String> y = List.of("0", "0", "1", "1", "1", "1", "1", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0");
        List<String> g = List.of("1", "1", "2", "2", "3", "3", "3", "4", "5", "5", "5", "5", "6", "6", "7", "8", "8");
        FoldAssignment a = Folds.stratifiedGroupKFold(items(y, g), 3);
        assertThat(folds(a)).containsExactly(1, 1, 1, 1, 0, 0, 0, 2, 2, 2, 2, 2, 0, 0, 0, 1, 1);
        assertThat(a.method()).isEqualTo("stratified-group-kfold");
        assertThat(a.seed()).isZero();
    }

    @Test
    void groupDealEqualsANumpyRunOfTheTranscribedAlgorithm(@TempDir Path tmp) throws Exception {
        Path py = ExternalTools.python("python3-numpy", "numpy");
        // hand-made: 11 groups over 4 strata, with groups of equal distribution (ties: stable order, fewer items)
        int[][] counts = {{5, 0, 1, 0}, {3, 2, 0, 1}, {0, 0, 4, 0}, {2, 2, 2, 2}, {2, 2, 2, 2}, {7, 1, 0, 0},
                {1, 0, 0, 3}, {0, 1, 1, 0}, {4, 4, 0, 0}, {1, 1, 1, 1}, {6, 0, 0, 2}};
        List<String> strata = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < counts.length; g++) {
            for (int c = 0; c < 4; c++) {
                for (int n = 0; n < counts[g][c]; n++) {
                    strata.add(c == 0 ? "empty" : "area-bin-" + (c - 1));
                    groups.add("slide-" + (char) ('a' + (g * 7) % 11));
                }
            }
        }
        for (int k : new int[] {2, 3, 5}) {
            // our transcription of StratifiedGroupKFold(shuffle=False)._iter_test_indices / _find_best_fold in numpy
            // (sklearn is not installed here): the expected deal is our transcription, run by numpy
            String script = String.join("\n",
                    "import numpy as np",
                    "y = np.array(" + pyList(strata) + ")",
                    "groups = np.array(" + pyList(groups) + ")",
                    "k = " + k,
                    "_, y_inv, y_cnt = np.unique(y, return_inverse=True, return_counts=True)",
                    "_, g_inv, g_cnt = np.unique(groups, return_inverse=True, return_counts=True)",
                    "per_group = np.zeros((len(g_cnt), len(y_cnt)))",
                    "for c, g in zip(y_inv, g_inv):",
                    "    per_group[g, c] += 1",
                    "per_fold = np.zeros((k, len(y_cnt)))",
                    "fold_of = {}",
                    "for g in np.argsort(-np.std(per_group, axis=1), kind='mergesort'):",
                    "    best, min_eval, min_n = None, np.inf, np.inf",
                    "    for i in range(k):",
                    "        per_fold[i] += per_group[g]",
                    "        ev = np.mean(np.std(per_fold / y_cnt.reshape(1, -1), axis=0))",
                    "        per_fold[i] -= per_group[g]",
                    "        n = np.sum(per_fold[i])",
                    "        if ev < min_eval or np.isclose(ev, min_eval) and n < min_n:",
                    "            best, min_eval, min_n = i, ev, n",
                    "    per_fold[best] += per_group[g]",
                    "    fold_of[g] = best",
                    "print(' '.join(str(fold_of[g]) for g in g_inv))", "");
            Path s = Files.writeString(tmp.resolve("sgkf" + k + ".py"), script);
            Process p = new ProcessBuilder(py.toString(), s.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            int[] expected = java.util.Arrays.stream(out.split(" ")).mapToInt(Integer::parseInt).toArray();
            assertThat(folds(Folds.stratifiedGroupKFold(items(strata, groups), k))).as("k=%d", k)
                    .containsExactly(expected);
        }
    }

    private static String pyList(List<String> v) {
        return "[" + String.join(", ", v.stream().map(x -> "'" + x + "'").toList()) + "]";
    }

    /** Items {@code i0, i1, ...} with the given labels (strata) and groups. */
    private static List<FoldItem> items(List<String> labels, List<String> groups) {
        List<FoldItem> out = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            out.add(new FoldItem("i" + i, groups.get(i), labels.get(i)));
        }
        return out;
    }

    /** The folds of an assignment's items, in item order. */
    private static int[] folds(FoldAssignment a) {
        return a.items().stream().mapToInt(FoldAssignment.Entry::fold).toArray();
    }

    @Test
    void stratifiedGroupKFoldRefusesTooFewGroups() {
        List<FoldItem> two = items(List.of("a", "b", "a"), List.of("g1", "g2", "g2"));
        assertThatThrownBy(() -> Folds.stratifiedGroupKFold(two, 3)).hasMessageContaining("number of groups (2");
        assertThatThrownBy(() -> Folds.stratifiedGroupKFold(two, 1)).hasMessageContaining("k must be >= 2, got 1");
    }

    private static int max(int[] a) {
        int m = Integer.MIN_VALUE;
        for (int v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static int min(int[] a) {
        int m = Integer.MAX_VALUE;
        for (int v : a) {
            m = Math.min(m, v);
        }
        return m;
    }
}
