package io.github.hubmapseg.pipeline.cohort;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A share of a cohort for job arrays (Slurm, Kubernetes): shard {@code index} of {@code count} takes every
 * {@code count}-th slide of the cohort's stable order starting at position {@code index}.
 *
 * @param index from 0 to {@code count - 1}
 * @param count number of shards, {@code >= 1}
 */
public record Shard(int index, int count) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The whole cohort. */
    public static final Shard ALL = new Shard(0, 1);

    /** Validates. */
    public Shard {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("shard must be I/N with N >= 1 and 0 <= I < N, got " + index + "/"
                    + count);
        }
    }

    /**
     * Parses {@code I/N}.
     *
     * @throws IllegalArgumentException naming the text when it is not {@code I/N} with {@code 0 <= I < N}
     */
    public static Shard parse(String text) {
        String t = text == null ? "" : text.strip();
        int slash = t.indexOf('/');
        try {
            if (slash > 0) {
                return new Shard(Integer.parseInt(t.substring(0, slash)), Integer.parseInt(t.substring(slash + 1)));
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("shard must look like I/N (e.g. 0/4; I from 0 to N-1), got '"
                + (text == null ? "" : text.replaceAll("\\p{Cntrl}", "?")) + "'");
    }

    /** @return the elements at positions {@code index, index + count, ...} */
    public <T> List<T> select(List<T> all) {
        List<T> out = new ArrayList<>();
        for (int i = index; i < all.size(); i += count) {
            out.add(all.get(i));
        }
        return out;
    }

    /** @return whether this is the whole cohort */
    public boolean all() {
        return count == 1;
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
