package io.github.hubmapseg.pipeline.cohort;

import java.io.Serializable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The slides of a cohort in their stable order: the order of the submission rows and of {@link Shard#select}
 * (a competition folder's {@code sample_submission.csv} order, a TIFF folder's sorted file names, a CSV's rows).
 *
 * @param source      what the list came from (a folder or CSV file, for messages and the manifest)
 * @param competition the competition folder when the cohort is one (its masks give each slide's Dice), else
 *                    {@code null}
 * @param slides      the slides, ids unique
 */
public record Cohort(String source, String competition, List<CohortSlide> slides) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Validates: ids unique. */
    public Cohort {
        slides = List.copyOf(slides);
        Set<String> seen = new HashSet<>();
        for (CohortSlide s : slides) {
            if (!seen.add(s.id())) {
                throw new IllegalArgumentException("slide id '" + s.id() + "' appears twice in " + source
                        + " (ids are the file names without extension; give an id column to tell them apart)");
            }
        }
    }

    /** @return the ids in order */
    public List<String> ids() {
        return slides.stream().map(CohortSlide::id).toList();
    }

    /** @return the slides of a shard, in order */
    public List<CohortSlide> shard(Shard shard) {
        return shard.select(slides);
    }
}
