package io.github.hubmapseg.pipeline.folds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
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
