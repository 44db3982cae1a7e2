package io.github.hubmapseg.pipeline.folds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Cross-validation splits, all deterministic:
 * <ul>
 *   <li>{@link #groupKFold}: scikit-learn's {@code GroupKFold} algorithm (groups by decreasing size, each to
 *       the fold with fewest items so far) -- seed team A split tiles by image;</li>
 *   <li>{@link #onePerGroup} / {@link #byValidationGroups}: one patient per fold, or explicit validation
 *       groups per fold -- the 1st place ({@code [[63921], [68250], [65631], [67177]]});</li>
 *   <li>{@link #stratifiedKFold}: shuffled (seeded) stratified k-fold on tiles -- seed team B;</li>
 *   <li>{@link #stratifiedGroupKFold}: scikit-learn's {@code StratifiedGroupKFold} deal (no shuffle): groups kept
 *       whole, labels balanced over the folds as well as the groups allow -- team B's tile folds with
 *       {@code cv.groups};</li>
 *   <li>{@link #kFold}: shuffled plain k-fold.</li>
 * </ul>
 * and {@link #save} / {@link #load} as JSON ({@code .json}) or CSV ({@code id,group,label,fold}; any other
 * extension), written atomically.
 */
public final class Folds {

    /** The schema tag of saved JSON fold files. */
    public static final String SCHEMA = "hubmap-folds/1";

    private Folds() {
    }

    /**
     * Group k-fold: all items of a group land in the same fold. Groups are taken by decreasing item count (ties:
     * larger group key first, as scikit-learn's reversed argsort of sorted keys), each assigned to the fold with
     * the fewest items so far (ties: lowest fold index).
     *
     * @throws IllegalArgumentException if {@code k < 2} or {@code k} exceeds the number of groups
     */
    public static FoldAssignment groupKFold(List<FoldItem> items, int k) {
        checkItems(items);
        Map<String, Integer> sizes = new TreeMap<>();
        for (FoldItem it : items) {
            sizes.merge(it.group(), 1, Integer::sum);
        }
        checkK(k, sizes.keySet(), "groups");
        List<String> order = new ArrayList<>(sizes.keySet());
        order.sort(Comparator.<String>comparingInt(sizes::get).reversed().thenComparing(Comparator.reverseOrder()));
        long[] load = new long[k];
        Map<String, Integer> groupFold = new HashMap<>();
        for (String g : order) {
            int best = 0;
            for (int f = 1; f < k; f++) {
                if (load[f] < load[best]) {
                    best = f;
                }
            }
            load[best] += sizes.get(g);
            groupFold.put(g, best);
        }
        return assign("group-kfold", k, 0, items, it -> groupFold.get(it.group()));
    }

    /** One group per fold: {@code k} = number of distinct groups, fold {@code f} validates the f-th group in sorted order. */
    public static FoldAssignment onePerGroup(List<FoldItem> items) {
        checkItems(items);
        Set<String> groups = new TreeSet<>();
        for (FoldItem it : items) {
            groups.add(it.group());
        }
        checkK(groups.size(), groups, "groups");
        List<List<String>> perFold = new ArrayList<>();
        for (String g : groups) {
            perFold.add(List.of(g));
        }
        return byValidationGroups(items, perFold, "one-group-per-fold");
    }

    /**
     * Explicit validation groups per fold (1st place: one patient number per fold). Items whose group is in no
     * list are never validated ({@link FoldAssignment#ALWAYS_TRAIN}).
     *
     * @throws IllegalArgumentException for a group listed twice or a listed group with no item
     */
    public static FoldAssignment byValidationGroups(List<FoldItem> items, List<List<String>> validationGroups) {
        return byValidationGroups(items, validationGroups, "validation-groups");
    }

    private static FoldAssignment byValidationGroups(List<FoldItem> items, List<List<String>> perFold, String method) {
        checkItems(items);
        if (perFold == null || perFold.isEmpty()) {
            throw new IllegalArgumentException("validationGroups must list at least one fold");
        }
        Set<String> present = new HashSet<>();
        for (FoldItem it : items) {
            present.add(it.group());
        }
        Map<String, Integer> groupFold = new HashMap<>();
        for (int f = 0; f < perFold.size(); f++) {
            if (perFold.get(f).isEmpty()) {
                throw new IllegalArgumentException("fold " + f + " lists no validation group");
            }
            for (String g : perFold.get(f)) {
                Integer prev = groupFold.put(g, f);
                if (prev != null) {
                    throw new IllegalArgumentException("group '" + g + "' is listed in folds " + prev + " and " + f);
                }
                if (!present.contains(g)) {
                    throw new IllegalArgumentException("fold " + f + ": group '" + g + "' has no item; groups present: "
                            + new TreeSet<>(present));
                }
            }
        }
        return assign(method, perFold.size(), 0, items, it -> groupFold.getOrDefault(it.group(), FoldAssignment.ALWAYS_TRAIN));
    }

    /**
     * Stratified k-fold: items of each label (labels in sorted order) are shuffled with {@code seed} and dealt
     * round-robin over the folds, continuing where the previous label stopped, so every fold gets
     * {@code floor} or {@code ceil} of each label's count and fold sizes differ by at most one.
     *
     * @throws IllegalArgumentException if {@code k < 2} or {@code k} exceeds the number of items
     */
    public static FoldAssignment stratifiedKFold(List<FoldItem> items, int k, long seed) {
        checkItems(items);
        checkK(k, ids(items), "items");
        Map<String, List<Integer>> byLabel = new TreeMap<>();
        for (int i = 0; i < items.size(); i++) {
            byLabel.computeIfAbsent(items.get(i).label(), l -> new ArrayList<>()).add(i);
        }
        int[] fold = new int[items.size()];
        SplittableRandom rng = new SplittableRandom(seed);
        int next = 0;
        for (List<Integer> idx : byLabel.values()) {
            shuffle(idx, rng);
            for (int i : idx) {
                fold[i] = next;
                next = (next + 1) % k;
            }
        }
        Map<String, Integer> byId = new HashMap<>();
        for (int i = 0; i < items.size(); i++) {
            byId.put(items.get(i).id(), fold[i]);
        }
        return assign("stratified-kfold", k, seed, items, it -> byId.get(it.id()));
    }

    /**
     * Stratified group k-fold: scikit-learn's {@code StratifiedGroupKFold(n_splits=k, shuffle=False)}
     * ({@code sklearn/model_selection/_split.py}, our transcription), the labels being the strata. The groups, in
     * sorted order, are sorted by the population standard deviation of their per-label counts, descending (stable);
     * each in turn goes to the fold that minimises the mean over labels of the standard deviation over folds of the
     * fold's share of that label, ties (numpy {@code isclose}) going to the fold with fewer items, then to the lower
     * fold. Deterministic: there is no seed (the assignment's seed is 0).
     *
     * @throws IllegalArgumentException if {@code k < 2} or {@code k} exceeds the number of groups
     */
    public static FoldAssignment stratifiedGroupKFold(List<FoldItem> items, int k) {
        checkItems(items);
        List<String> names = items.stream().map(FoldItem::group).distinct().sorted().toList();
        checkK(k, names, "groups");
        List<String> classes = items.stream().map(FoldItem::label).distinct().sorted().toList();
        Map<String, Integer> ci = new HashMap<>();
        Map<String, Integer> gi = new HashMap<>();
        for (int c = 0; c < classes.size(); c++) {
            ci.put(classes.get(c), c);
        }
        for (int g = 0; g < names.size(); g++) {
            gi.put(names.get(g), g);
        }
        int nc = classes.size();
        double[][] perGroup = new double[names.size()][nc];
        double[] total = new double[nc];
        for (FoldItem it : items) {
            int c = ci.get(it.label());
            perGroup[gi.get(it.group())][c]++;
            total[c]++;
        }
        double[] spread = new double[names.size()];
        for (int g = 0; g < names.size(); g++) {
            spread[g] = std(perGroup[g]);
        }
        Integer[] order = new Integer[names.size()];
        for (int g = 0; g < order.length; g++) {
            order[g] = g;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(-spread[a], -spread[b])); // stable, as mergesort
        double[][] perFold = new double[k][nc];
        int[] groupFold = new int[names.size()];
        for (int g : order) {
            int best = -1;
            double minEval = Double.POSITIVE_INFINITY;
            double minSamples = Double.POSITIVE_INFINITY;
            for (int f = 0; f < k; f++) {
                double eval = 0;
                double[] share = new double[k];
                for (int c = 0; c < nc; c++) {
                    for (int j = 0; j < k; j++) {
                        share[j] = (perFold[j][c] + (j == f ? perGroup[g][c] : 0)) / total[c];
                    }
                    eval += std(share);
                }
                eval /= nc;
                double samples = 0;
                for (double v : perFold[f]) {
                    samples += v;
                }
                boolean close = Math.abs(eval - minEval) <= 1e-8 + 1e-5 * Math.abs(minEval);
                if (eval < minEval || close && samples < minSamples) {
                    minEval = eval;
                    minSamples = samples;
                    best = f;
                }
            }
            for (int c = 0; c < nc; c++) {
                perFold[best][c] += perGroup[g][c];
            }
            groupFold[g] = best;
        }
        return assign("stratified-group-kfold", k, 0, items, it -> groupFold[gi.get(it.group())]);
    }

    /** Population standard deviation (numpy's {@code std}, ddof 0). */
    private static double std(double[] v) {
        double mean = 0;
        for (double x : v) {
            mean += x;
        }
        mean /= v.length;
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        return Math.sqrt(ss / v.length);
    }

    /** Shuffled plain k-fold (stratified k-fold with a single label). */
    public static FoldAssignment kFold(List<FoldItem> items, int k, long seed) {
        checkItems(items);
        List<FoldItem> unlabelled = new ArrayList<>(items.size());
        for (FoldItem it : items) {
            unlabelled.add(new FoldItem(it.id(), it.group(), ""));
        }
        FoldAssignment a = stratifiedKFold(unlabelled, k, seed);
        Map<String, Integer> m = a.asMap();
        return assign("kfold", k, seed, items, it -> m.get(it.id()));
    }

    /** Saves as JSON ({@code .json}) or CSV (otherwise), atomically. */
    public static void save(FoldAssignment folds, Path target) throws IOException {
        if (isJson(target)) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode root = om.createObjectNode();
            root.put("schema", SCHEMA);
            root.put("method", folds.method());
            root.put("k", folds.k());
            root.put("seed", folds.seed());
            ArrayNode arr = root.putArray("items");
            for (FoldAssignment.Entry e : folds.items()) {
                ObjectNode n = arr.addObject();
                n.put("id", e.id());
                n.put("group", e.group());
                n.put("label", e.label());
                n.put("fold", e.fold());
            }
            AtomicFiles.write(target, out -> om.writerWithDefaultPrettyPrinter().writeValue(out, root));
        } else {
            StringBuilder sb = new StringBuilder("id,group,label,fold\n");
            for (FoldAssignment.Entry e : folds.items()) {
                sb.append(csv(e.id())).append(',').append(csv(e.group())).append(',').append(csv(e.label()))
                        .append(',').append(e.fold()).append('\n');
            }
            AtomicFiles.writeString(target, sb.toString());
        }
    }

    /**
     * Loads a fold file written by {@link #save} (or by hand). A CSV file needs the header
     * {@code id,group,label,fold} ({@code label} may be left out); its {@code k} is the largest fold + 1 and its
     * method {@code "file"}.
     *
     * @throws IOException for a missing or unreadable file
     * @throws IllegalArgumentException for malformed content, naming the file and line or field
     */
    public static FoldAssignment load(Path source) throws IOException {
        if (!Files.exists(source)) {
            throw new NoSuchFileException(source.toString(), null, "fold file not found");
        }
        try {
            return isJson(source) ? loadJson(source) : loadCsv(source);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static FoldAssignment loadJson(Path source) throws IOException {
        JsonNode root = new ObjectMapper().readTree(source.toFile());
        if (root == null || !SCHEMA.equals(root.path("schema").asText())) {
            throw new IllegalArgumentException("expected \"schema\": \"" + SCHEMA + "\", got " + root.path("schema"));
        }
        JsonNode arr = root.path("items");
        if (!arr.isArray()) {
            throw new IllegalArgumentException("field 'items' must be an array");
        }
        if (!root.path("k").canConvertToInt()) {
            throw new IllegalArgumentException("field 'k' must be an integer, got " + root.path("k"));
        }
        List<FoldAssignment.Entry> entries = new ArrayList<>();
        for (int i = 0; i < arr.size(); i++) {
            JsonNode n = arr.get(i);
            if (!n.path("id").isTextual() || !n.path("fold").canConvertToInt()) {
                throw new IllegalArgumentException("items[" + i + "] needs a string 'id' and an integer 'fold', got " + n);
            }
            entries.add(new FoldAssignment.Entry(n.get("id").asText(), n.path("group").asText(""),
                    n.path("label").asText(""), n.get("fold").asInt()));
        }
        return new FoldAssignment(root.path("method").asText("file"), root.get("k").asInt(),
                root.path("seed").asLong(0), entries);
    }

    private static FoldAssignment loadCsv(Path source) throws IOException {
        List<String> lines = Files.readAllLines(source, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("empty file, expected the header id,group,label,fold");
        }
        List<String> header = splitCsv(lines.get(0));
        int iId = header.indexOf("id");
        int iGroup = header.indexOf("group");
        int iLabel = header.indexOf("label");
        int iFold = header.indexOf("fold");
        if (iId < 0 || iGroup < 0 || iFold < 0) {
            throw new IllegalArgumentException("header must contain id, group and fold, got " + lines.get(0));
        }
        List<FoldAssignment.Entry> entries = new ArrayList<>();
        int k = 0;
        for (int ln = 1; ln < lines.size(); ln++) {
            if (lines.get(ln).isBlank()) {
                continue;
            }
            List<String> f = splitCsv(lines.get(ln));
            if (f.size() != header.size()) {
                throw new IllegalArgumentException("line " + (ln + 1) + ": expected " + header.size() + " fields, got "
                        + f.size());
            }
            int fold;
            try {
                fold = Integer.parseInt(f.get(iFold).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (ln + 1) + ": fold must be an integer, got '" + f.get(iFold) + "'");
            }
            k = Math.max(k, fold + 1);
            entries.add(new FoldAssignment.Entry(f.get(iId), f.get(iGroup), iLabel < 0 ? "" : f.get(iLabel), fold));
        }
        return new FoldAssignment("file", Math.max(k, 1), 0, entries);
    }

    private static boolean isJson(Path p) {
        return p.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json");
    }

    private interface FoldOf {
        int fold(FoldItem item);
    }

    private static FoldAssignment assign(String method, int k, long seed, List<FoldItem> items, FoldOf f) {
        List<FoldAssignment.Entry> entries = new ArrayList<>(items.size());
        for (FoldItem it : items) {
            entries.add(new FoldAssignment.Entry(it.id(), it.group(), it.label(), f.fold(it)));
        }
        return new FoldAssignment(method, k, seed, entries);
    }

    private static void checkItems(List<FoldItem> items) {
        if (items == null || items.isEmpty()) {
            throw new IllegalArgumentException("items must not be empty");
        }
        Set<String> seen = new HashSet<>();
        for (FoldItem it : items) {
            if (!seen.add(it.id())) {
                throw new IllegalArgumentException("duplicate item id '" + it.id() + "'");
            }
        }
    }

    private static void checkK(int k, Collection<String> units, String what) {
        if (k < 2) {
            throw new IllegalArgumentException("k must be >= 2, got " + k);
        }
        if (k > units.size()) {
            List<String> shown = new ArrayList<>(units).subList(0, Math.min(units.size(), 10));
            throw new IllegalArgumentException("k=" + k + " is larger than the number of " + what + " (" + units.size()
                    + (units.size() > 10 ? ", first 10: " : ": ") + shown + ")");
        }
    }

    private static List<String> ids(List<FoldItem> items) {
        List<String> out = new ArrayList<>(items.size());
        for (FoldItem it : items) {
            out.add(it.id());
        }
        return out;
    }

    private static void shuffle(List<Integer> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Integer t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static String csv(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Splits one CSV line (RFC 4180 quotes). */
    static List<String> splitCsv(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cur.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
