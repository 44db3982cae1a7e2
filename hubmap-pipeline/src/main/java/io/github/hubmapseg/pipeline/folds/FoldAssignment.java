package io.github.hubmapseg.pipeline.folds;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A k-fold split: for every item, the fold in which it is a validation item ({@code 0..k-1}), or
 * {@link #ALWAYS_TRAIN} ({@code -1}) for items that are never validated (e.g. patients that the 1st-place
 * split leaves out of every validation fold). Fold {@code f} trains on every item whose fold is not {@code f}.
 * Immutable; created by {@link Folds}.
 *
 * @param method how it was made (e.g. {@code "group-kfold"}), for the record
 * @param k      number of folds, {@code >= 1}
 * @param seed   the seed used (0 when the method is not random)
 * @param items  the items with their folds, in input order
 */
public record FoldAssignment(String method, int k, long seed, List<Entry> items) {

    /** Method of the one-fold "split" that trains on everything and validates nothing (23rd place: no folds). */
    public static final String NONE = "none";

    /** Fold value of an item that is never in a validation fold. */
    public static final int ALWAYS_TRAIN = -1;

    /**
     * One item's fold.
     *
     * @param id    item id
     * @param group item group
     * @param label stratification label ({@code ""} when unused)
     * @param fold  validation fold, or {@link #ALWAYS_TRAIN}
     */
    public record Entry(String id, String group, String label, int fold) {
    }

    /** Validates: unique ids, folds in range, every fold non-empty (except for method {@link #NONE}). */
    public FoldAssignment {
        if (method == null || method.isEmpty()) {
            throw new IllegalArgumentException("method must be non-empty");
        }
        if (k < 1) {
            throw new IllegalArgumentException("k must be >= 1, got " + k);
        }
        items = List.copyOf(items);
        Set<String> ids = new java.util.HashSet<>();
        int[] counts = new int[k];
        for (Entry e : items) {
            if (!ids.add(e.id())) {
                throw new IllegalArgumentException("duplicate item id '" + e.id() + "'");
            }
            if (e.fold() < ALWAYS_TRAIN || e.fold() >= k) {
                throw new IllegalArgumentException("item '" + e.id() + "': fold must be in [-1, " + (k - 1) + "], got "
                        + e.fold());
            }
            if (e.fold() >= 0) {
                counts[e.fold()]++;
            }
        }
        for (int f = 0; f < k; f++) {
            if (counts[f] == 0 && !method.equals(NONE)) {
                throw new IllegalArgumentException("fold " + f + " of " + k + " has no validation item");
            }
        }
    }

    /** The fold of an item, or {@link #ALWAYS_TRAIN}. */
    public int foldOf(String id) {
        for (Entry e : items) {
            if (e.id().equals(id)) {
                return e.fold();
            }
        }
        throw new IllegalArgumentException("unknown item id '" + id + "'");
    }

    /** Ids of the validation items of {@code fold}, in input order. */
    public List<String> validationIds(int fold) {
        checkFold(fold);
        List<String> out = new ArrayList<>();
        for (Entry e : items) {
            if (e.fold() == fold) {
                out.add(e.id());
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Ids of the training items of {@code fold} (all items not validated in it), in input order. */
    public List<String> trainingIds(int fold) {
        checkFold(fold);
        List<String> out = new ArrayList<>();
        for (Entry e : items) {
            if (e.fold() != fold) {
                out.add(e.id());
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The groups validated in {@code fold}, in first-seen order. */
    public Set<String> validationGroups(int fold) {
        checkFold(fold);
        Set<String> out = new LinkedHashSet<>();
        for (Entry e : items) {
            if (e.fold() == fold) {
                out.add(e.group());
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /** Number of validation items per fold. */
    public int[] foldSizes() {
        int[] c = new int[k];
        for (Entry e : items) {
            if (e.fold() >= 0) {
                c[e.fold()]++;
            }
        }
        return c;
    }

    /** Item id to fold. */
    public Map<String, Integer> asMap() {
        Map<String, Integer> m = new HashMap<>();
        for (Entry e : items) {
            m.put(e.id(), e.fold());
        }
        return Collections.unmodifiableMap(m);
    }

    private void checkFold(int fold) {
        if (fold < 0 || fold >= k) {
            throw new IllegalArgumentException("fold must be in [0, " + (k - 1) + "], got " + fold);
        }
    }
}
