package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Slide ids given by a user ({@code hubmap predict --ids}), checked against a competition folder before any work. */
public final class SlideIds {
    private SlideIds() {
    }

    /**
     * Checks that every id is a slide of the folder (train, test or external) and that none repeats.
     *
     * @param ds  the folder
     * @param ids the ids, in the user's order
     * @return the ids, unchanged
     * @throws IllegalArgumentException in one line naming the unknown and repeated ids and the known ones
     * @throws IOException              if the external folder cannot be listed
     */
    public static List<String> check(CompetitionDataset ds, List<String> ids) throws IOException {
        Set<String> known = new LinkedHashSet<>(ds.testIds());
        known.addAll(ds.trainIds());
        known.addAll(ds.externalIds());
        return check(known, ids, ds.dir().toString());
    }

    /**
     * Checks that every id is one of {@code known} (e.g. the slides of a folder or of a CSV list) and that none
     * repeats.
     *
     * @param known the known ids, in their order (listed in the message)
     * @param ids   the ids, in the user's order
     * @param where what holds the known ids, for the message (a folder, a CSV file)
     * @return the ids, unchanged
     * @throws IllegalArgumentException in one line naming the unknown and repeated ids and the known ones
     */
    public static List<String> check(Set<String> known, List<String> ids, String where) {
        List<String> unknown = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Set<String> repeated = new LinkedHashSet<>();
        for (String id : ids) {
            if (!known.contains(id)) {
                unknown.add(id);
            } else if (!seen.add(id)) {
                repeated.add(id);
            }
        }
        if (ids.isEmpty() || !unknown.isEmpty() || !repeated.isEmpty()) {
            StringBuilder sb = new StringBuilder();
            if (ids.isEmpty()) {
                sb.append("no slide ids given");
            }
            if (!unknown.isEmpty()) {
                sb.append(unknown.size() == 1 ? "unknown slide id " : "unknown slide ids ")
                        .append(quoted(unknown)).append(" (not in ").append(where).append(')');
            }
            if (!repeated.isEmpty()) {
                sb.append(sb.length() > 0 ? "; " : "").append("repeated: ").append(quoted(new ArrayList<>(repeated)));
            }
            sb.append("; known: ").append(known.isEmpty() ? "none" : quoted(abbreviate(new ArrayList<>(known))));
            if (known.size() > 40) {
                sb.append(" and ").append(known.size() - 40).append(" more");
            }
            throw new IllegalArgumentException(sb.toString());
        }
        return ids;
    }

    private static List<String> abbreviate(List<String> ids) {
        return ids.size() <= 40 ? ids : ids.subList(0, 40);
    }

    private static String quoted(List<String> ids) {
        StringBuilder sb = new StringBuilder();
        for (String id : ids) {
            sb.append(sb.length() > 0 ? ", " : "").append('\'')
                    .append(id.replaceAll("\\p{Cntrl}", "?")).append('\'');
        }
        return sb.toString();
    }
}
