package io.github.hubmapseg.core.kaggle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The one home of the HuBMAP competition folder layout, real (Kaggle's) or synthetic ({@code hubmap synth}):
 * <pre>
 * train.csv                               id,encoding (RLE of the training masks)
 * sample_submission.csv                   id,predicted (the test ids)
 * test_truth.csv                          id,encoding of the test masks (synthetic folders only)
 * HuBMAP-20-dataset_information.csv       image file, size, JSON files, patient number, donor data
 * train/&lt;id&gt;.tiff (or .tif)                 training slides
 * train/&lt;id&gt;.json                          glomerulus polygons (list of GeoJSON Features)
 * train/&lt;id&gt;-anatomical-structure.json    Cortex, Medulla polygons (next to every slide)
 * test/&lt;id&gt;.tiff (or .tif)                  test slides
 * external/&lt;id&gt;.tiff (or .tif)              unlabelled slides (pseudo-labelling)
 * </pre>
 * The synthetic writer, the dataset reader and the evaluation command all ask this type for their paths.
 *
 * @param dir the competition folder
 */
public record CompetitionLayout(Path dir) {
    /** Name of the training masks file. */
    public static final String TRAIN_CSV = "train.csv";
    /** Name of the test ids file. */
    public static final String SAMPLE_SUBMISSION = "sample_submission.csv";
    /** Name of the synthetic test masks file (not in the real competition data). */
    public static final String TEST_TRUTH = "test_truth.csv";
    /** Slide file extensions, in the order they are looked for; the first is the one written. */
    public static final List<String> SLIDE_EXTENSIONS = List.of(".tiff", ".tif");

    /** The folders that hold slides, in the order a slide id is looked up. */
    public enum Split {
        /** {@code train/}: labelled slides. */
        TRAIN("train"),
        /** {@code test/}: slides to predict. */
        TEST("test"),
        /** {@code external/}: unlabelled slides. */
        EXTERNAL("external");

        private final String folder;

        Split(String folder) {
            this.folder = folder;
        }

        /** @return the folder name */
        public String folder() {
            return folder;
        }
    }

    /** Validates. */
    public CompetitionLayout {
        if (dir == null) {
            throw new IllegalArgumentException("competition folder must not be null");
        }
    }

    /** @return {@code train.csv} */
    public Path trainCsv() {
        return dir.resolve(TRAIN_CSV);
    }

    /** @return {@code sample_submission.csv} */
    public Path sampleSubmission() {
        return dir.resolve(SAMPLE_SUBMISSION);
    }

    /** @return {@code test_truth.csv} */
    public Path testTruth() {
        return dir.resolve(TEST_TRUTH);
    }

    /** @return {@code HuBMAP-20-dataset_information.csv} */
    public Path datasetInfo() {
        return dir.resolve(KaggleFiles.DATASET_INFO);
    }

    /** @return the folder of a split */
    public Path folder(Split split) {
        return dir.resolve(split.folder());
    }

    /** @return the file a slide is written to ({@code <split>/<id>.tiff}) */
    public Path slideFile(Split split, String id) {
        return folder(split).resolve(id + SLIDE_EXTENSIONS.get(0));
    }

    /** @return the file name a slide is written under ({@code <id>.tiff}), as the dataset-information CSV names it */
    public static String slideFileName(String id) {
        return id + SLIDE_EXTENSIONS.get(0);
    }

    /** @return the glomerulus polygons file of a training slide ({@code train/<id>.json}) */
    public Path glomeruliFile(Split split, String id) {
        return folder(split).resolve(glomeruliFileName(id));
    }

    /** @return {@code <id>.json} */
    public static String glomeruliFileName(String id) {
        return id + ".json";
    }

    /** @return the anatomical-structure file next to a slide of a split */
    public Path anatomyFile(Split split, String id) {
        return folder(split).resolve(anatomyFileName(id));
    }

    /** @return {@code <id>-anatomical-structure.json} */
    public static String anatomyFileName(String id) {
        return id + "-anatomical-structure.json";
    }

    /**
     * The slide file of an id: the first of {@code train/}, {@code test/}, {@code external/} (each with
     * {@code .tiff}, then {@code .tif}) that exists.
     *
     * @return the file, or empty when there is none
     */
    public Optional<Path> findSlide(String id) {
        for (Split s : Split.values()) {
            for (String ext : SLIDE_EXTENSIONS) {
                Path p = folder(s).resolve(id + ext);
                if (Files.isRegularFile(p)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The slide file of an id, or a clear error naming where it was looked for.
     *
     * @throws IllegalArgumentException when there is none
     */
    public Path slide(String id) {
        return findSlide(id).orElseThrow(() -> new IllegalArgumentException("no slide '" + id + "' (.tiff or .tif) "
                + "under " + folder(Split.TRAIN) + ", " + folder(Split.TEST) + " or " + folder(Split.EXTERNAL)));
    }

    /** @return the anatomical-structure file next to a slide file */
    public static Path anatomyNextTo(Path slide, String id) {
        return slide.resolveSibling(anatomyFileName(id));
    }

    /**
     * The ids of the slides ({@code .tiff} or {@code .tif}) in a split's folder, sorted; empty without the folder.
     *
     * @throws IOException if the folder cannot be listed
     */
    public List<String> slideIds(Split split) throws IOException {
        List<String> out = new ArrayList<>();
        Path f = folder(split);
        if (Files.isDirectory(f)) {
            try (Stream<Path> s = Files.list(f)) {
                s.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                        .filter(n -> SLIDE_EXTENSIONS.stream().anyMatch(n::endsWith))
                        .map(n -> n.substring(0, n.lastIndexOf('.'))).sorted().distinct().forEach(out::add);
            }
        }
        return out;
    }
}
