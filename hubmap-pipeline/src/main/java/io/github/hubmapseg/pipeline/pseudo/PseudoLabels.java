package io.github.hubmapseg.pipeline.pseudo;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A set of pseudo-labelled slides as a second training stage uses them: per slide id the mask RLE and the
 * uncertain-region RLE (both in the competition's {@code train.csv} convention: header {@code id,encoding},
 * column-major runs with 1-based starts), and the largest uncertain share a training tile may have to be
 * sampled. Files in a folder: {@link #MASKS} and {@link #UNCERTAIN}. Give it to
 * {@code CompetitionDataset.withPseudoLabels}.
 *
 * @param masks                id to mask RLE
 * @param uncertain            id to uncertain-region RLE (every id of {@code masks})
 * @param maxUncertainFraction tiles whose uncertain share exceeds it are not sampled, in [0, 1]
 */
public record PseudoLabels(Map<String, String> masks, Map<String, String> uncertain, double maxUncertainFraction) {
    /** File of the pseudo masks. */
    public static final String MASKS = "pseudo_labels.csv";
    /** File of the uncertain regions. */
    public static final String UNCERTAIN = "pseudo_uncertain.csv";

    /** Validates and copies (keeping order). */
    public PseudoLabels {
        if (!(maxUncertainFraction >= 0 && maxUncertainFraction <= 1)) {
            throw new IllegalArgumentException("maxUncertainFraction must be in [0, 1], got " + maxUncertainFraction);
        }
        masks = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(masks));
        uncertain = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(uncertain));
        for (String id : masks.keySet()) {
            if (!uncertain.containsKey(id)) {
                throw new IllegalArgumentException("pseudo-labelled slide '" + id + "' has no uncertain-region row");
            }
        }
    }

    /**
     * Reads {@link #MASKS} and {@link #UNCERTAIN} from a folder ({@code hubmap pseudo} output).
     *
     * @param dir                  the folder
     * @param maxUncertainFraction see the record
     * @return the labels
     * @throws IOException if a file cannot be read
     */
    public static PseudoLabels load(Path dir, double maxUncertainFraction) throws IOException {
        Path m = dir.resolve(MASKS);
        Path u = dir.resolve(UNCERTAIN);
        for (Path p : new Path[] {m, u}) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("pseudo-label folder " + dir + " has no " + p.getFileName()
                        + " (write it with 'hubmap pseudo')");
            }
        }
        Map<String, String> masks = new LinkedHashMap<>();
        for (TrainRow r : KaggleFiles.readTrain(m)) {
            masks.put(r.id(), r.encoding());
        }
        Map<String, String> unc = new LinkedHashMap<>();
        for (TrainRow r : KaggleFiles.readTrain(u)) {
            unc.put(r.id(), r.encoding());
        }
        return new PseudoLabels(masks, unc, maxUncertainFraction);
    }

    /**
     * These labels with a person's masks for some slides (3rd place's hand labels): each hand-labelled slide's mask
     * becomes the given one and its uncertain region empty (every pixel labelled, 1 inside, 0 outside), so no tile
     * of it is dropped for uncertainty; every other slide keeps its pseudo-label and uncertain region.
     *
     * @param hand the hand labels (every id a slide of these labels)
     * @return the labels
     */
    public PseudoLabels withHandLabels(HandLabels hand) {
        Map<String, String> m = new LinkedHashMap<>(masks);
        Map<String, String> u = new LinkedHashMap<>(uncertain);
        for (Map.Entry<String, String> e : hand.masks().entrySet()) {
            if (!m.containsKey(e.getKey())) {
                throw new IllegalArgumentException("pseudo.hand_labels: slide '" + e.getKey() + "' in " + hand.source()
                        + " is not among the pseudo-labelled slides " + m.keySet());
            }
            m.put(e.getKey(), e.getValue());
            u.put(e.getKey(), "");
        }
        return new PseudoLabels(m, u, maxUncertainFraction);
    }
}
