package io.github.hubmapseg.pipeline.pseudo;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Masks a person drew for some of the pseudo-labelled slides (3rd place: "hand labels (publicly shared)" of the
 * public test image d488c759a, whose sclerotic glomeruli are labelled), which a second stage trains on instead of
 * their pseudo-labels: every pixel is labelled (1 inside, 0 outside), no uncertain region
 * ({@link PseudoLabels#withHandLabels}). Recipe key {@code pseudo.hand_labels}: a CSV {@code id,encoding} in the
 * competition's {@code train.csv} convention (full resolution, column-major runs, 1-based starts).
 *
 * @param source the file they were read from
 * @param masks  slide id to mask RLE, in file order
 */
public record HandLabels(Path source, Map<String, String> masks) {
    /** Copy of the hand labels a run used, in its {@code pseudo/} folder. */
    public static final String FILE = "hand_labels.csv";

    /** Validates and copies (keeping order). */
    public HandLabels {
        Objects.requireNonNull(source, "source");
        if (masks.isEmpty()) {
            throw new IllegalArgumentException("pseudo.hand_labels: " + source + " has no rows (expected a CSV "
                    + "id,encoding with one row per hand-labelled slide)");
        }
        masks = Collections.unmodifiableMap(new LinkedHashMap<>(masks));
    }

    /**
     * Reads and checks a hand-label CSV as a submission is checked: the {@code id,encoding} columns, RLE text,
     * no duplicate id ({@link KaggleFiles#readTrain}); every id a slide the run pseudo-labels; every encoding
     * inside its slide ({@link Rle#parse} at the slide's size). Each failure is one line naming the file, the
     * value and what was expected.
     *
     * @param file    the CSV
     * @param dataset the competition folder (slide sizes)
     * @param sources the slides the run pseudo-labels ({@code pseudo.sources})
     * @return the labels
     * @throws IOException if the file or a slide cannot be read, or the CSV is malformed
     */
    public static HandLabels load(Path file, CompetitionDataset dataset, List<String> sources) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("pseudo.hand_labels: no file at " + file + " (expected a CSV "
                    + "id,encoding of hand-labelled pseudo-label sources)");
        }
        Map<String, String> masks = new LinkedHashMap<>();
        for (TrainRow r : KaggleFiles.readTrain(file)) {
            if (!sources.contains(r.id())) {
                throw new IllegalArgumentException("pseudo.hand_labels: slide '" + abbreviate(r.id()) + "' in " + file
                        + " is not a pseudo-label source (expected one of " + abbreviate(String.valueOf(sources))
                        + ", the pseudo.sources slides)");
            }
            ImageSource s = dataset.slide(r.id());
            try {
                Rle.parse(r.encoding(), Math.toIntExact(s.height()), Math.toIntExact(s.width()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("pseudo.hand_labels: slide '" + r.id() + "' in " + file + " is "
                        + s.width() + "x" + s.height() + ": " + e.getMessage(), e);
            }
            masks.put(r.id(), r.encoding());
        }
        return new HandLabels(file, masks);
    }

    /** @return the hand-labelled slide ids, in file order */
    public List<String> ids() {
        return new ArrayList<>(masks.keySet());
    }

    /**
     * Writes the labels as {@code train.csv} ({@code id,encoding}) atomically: the record of what a run trained on.
     *
     * @param target the file
     * @throws IOException if it cannot be written
     */
    public void save(Path target) throws IOException {
        List<TrainRow> rows = new ArrayList<>();
        masks.forEach((id, enc) -> rows.add(new TrainRow(id, enc)));
        KaggleFiles.writeTrain(target, rows);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }
}
