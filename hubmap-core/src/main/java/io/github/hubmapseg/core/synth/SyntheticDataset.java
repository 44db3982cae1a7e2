package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.DatasetInfo;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes a synthetic competition folder in the real HuBMAP layout, so that every pipeline runs without the
 * competition data:
 * <pre>
 * train/&lt;id&gt;.tiff                        tiled BigTIFF RGB slides
 * train/&lt;id&gt;.json                        glomerulus polygons (list of GeoJSON Features)
 * train/&lt;id&gt;-anatomical-structure.json   Cortex and Medulla polygons
 * test/&lt;id&gt;.tiff, test/&lt;id&gt;-anatomical-structure.json
 * train.csv                 id,encoding     (RLE of the train masks)
 * sample_submission.csv     id,predicted    (test ids, empty predictions)
 * test_truth.csv            id,encoding     (RLE of the test masks, to score predictions; not in the real data)
 * HuBMAP-20-dataset_information.csv         image file, size, JSON files, patient number, donor data
 * </pre>
 * Everything is a deterministic function of the options: ids ({@code 9} hex digits), patients, slide
 * geometry and stain. The last quarter of the slides (at least one when there are two or more) are test
 * slides; slides are assigned to patients round-robin within train and within test, so patient-grouped folds
 * are possible.
 */
public final class SyntheticDataset {

    /** Progress events while writing. */
    public interface Listener {
        /** Called after each row of tiles of slide {@code index} (0-based) of {@code count}. */
        default void rows(int index, int count, String id, int rowsDone, int rowsTotal) {
        }

        /** Called when slide {@code index} is fully written. */
        default void slideDone(int index, int count, String id, boolean test, int glomeruli, double seconds) {
        }
    }

    /** What was written. */
    public record Summary(Path dir, List<String> trainIds, List<String> testIds, int files, long bytes,
                          int glomeruli, double seconds) {
    }

    /** The planned slides, before writing. */
    public record Plan(List<SlideSpec> specs, List<Boolean> test, List<Long> patients) {
    }

    private final Path dir;
    private final int slides;
    private final int width;
    private final int height;
    private final long seed;
    private final int patients;
    private final TiffSlideWriter.Compression compression;
    private final int threads;

    private SyntheticDataset(Builder b) {
        this.dir = b.dir;
        this.slides = b.slides;
        this.width = b.width;
        this.height = b.height;
        this.seed = b.seed;
        this.patients = b.patients;
        this.compression = b.compression;
        this.threads = b.threads;
    }

    /** Starts the options of a dataset written to {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(dir);
    }

    /** The slides this dataset will contain (ids, seeds, split, patients), without generating anything. */
    public Plan plan() {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EED_DA7A_5E7L);
        Set<String> ids = new HashSet<>();
        List<SlideSpec> specs = new ArrayList<>();
        List<Boolean> test = new ArrayList<>();
        List<Long> pat = new ArrayList<>();
        Set<Long> patientSet = new HashSet<>();
        List<Long> patientNumbers = new ArrayList<>();
        while (patientNumbers.size() < patients) {
            long p = 60000 + rnd.nextInt(10000);
            if (patientSet.add(p)) {
                patientNumbers.add(p);
            }
        }
        int nTest = slides < 2 ? 0 : Math.max(1, Math.round(slides * 0.25f));
        int nTrain = slides - nTest;
        for (int i = 0; i < slides; i++) {
            String id;
            do {
                id = String.format(Locale.ROOT, "%09x", rnd.nextLong() & 0xFFFFFFFFFL);
            } while (!ids.add(id));
            specs.add(new SlideSpec(id, width, height, rnd.nextLong()));
            boolean t = i >= nTrain;
            test.add(t);
            pat.add(patientNumbers.get((t ? i - nTrain : i) % patients));
        }
        return new Plan(List.copyOf(specs), List.copyOf(test), List.copyOf(pat));
    }

    /** Generates and writes everything; existing files of the same names are replaced. */
    public Summary write(Listener listener) throws IOException {
        Listener l = listener == null ? new Listener() { } : listener;
        long t0 = System.nanoTime();
        Plan plan = plan();
        Files.createDirectories(dir.resolve("train"));
        Files.createDirectories(dir.resolve("test"));
        List<String> trainIds = new ArrayList<>();
        List<String> testIds = new ArrayList<>();
        List<DatasetInfo> infos = new ArrayList<>();
        SplittableRandom donors = new SplittableRandom(seed ^ 0xD0D0L);
        String[][] donorOf = new String[patients][];
        int files = 0;
        int glomeruli = 0;
        List<Path> written = new ArrayList<>();
        try (SubmissionWriter train = SubmissionWriter.encodings(dir.resolve("train.csv"));
             SubmissionWriter truth = SubmissionWriter.encodings(dir.resolve("test_truth.csv"));
             SubmissionWriter sample = SubmissionWriter.submission(dir.resolve("sample_submission.csv"))) {
            for (int i = 0; i < slides; i++) {
                long s0 = System.nanoTime();
                SlideSpec spec = plan.specs().get(i);
                boolean isTest = plan.test().get(i);
                SyntheticSlide slide = SyntheticSlide.create(spec);
                Path sub = dir.resolve(isTest ? "test" : "train");
                Path tiff = sub.resolve(spec.id() + ".tiff");
                final int index = i;
                TiffSlideWriter w = TiffSlideWriter.builder(tiff, spec.width(), spec.height())
                        .compression(compression).open();
                try {
                    w.writeAll(slide, threads, (done, total) -> l.rows(index, slides, spec.id(), done, total));
                } catch (IOException | RuntimeException e) {
                    w.abort();
                    throw e;
                }
                written.add(tiff);
                String anatomy = spec.id() + "-anatomical-structure.json";
                KaggleFiles.writeAnatomicalStructures(sub.resolve(anatomy), List.of(
                        new AnatomicalStructure("Cortex", List.of(clamp(slide.tissue().polygon(256), spec))),
                        new AnatomicalStructure("Medulla", List.of(clamp(slide.medulla().polygon(128), spec)))));
                written.add(sub.resolve(anatomy));
                String glomFile = "";
                if (isTest) {
                    testIds.add(spec.id());
                    truth.add(spec.id(), slide::writeMaskRle);
                    sample.add(spec.id(), "");
                } else {
                    trainIds.add(spec.id());
                    glomFile = spec.id() + ".json";
                    KaggleFiles.writeGlomeruli(sub.resolve(glomFile), slide.glomerulusPolygons(64));
                    written.add(sub.resolve(glomFile));
                    train.add(spec.id(), slide::writeMaskRle);
                }
                glomeruli += slide.glomeruli().size();
                int pi = patientIndex(plan, plan.patients().get(i));
                if (donorOf[pi] == null) {
                    donorOf[pi] = donor(donors);
                }
                String[] d = donorOf[pi];
                double[] frac = slide.regionFractions(32);
                infos.add(new DatasetInfo(spec.id() + ".tiff", spec.width(), spec.height(), anatomy, glomFile,
                        plan.patients().get(i), d[0], d[1], d[2], Double.parseDouble(d[3]), Double.parseDouble(d[4]),
                        Double.parseDouble(d[5]), Double.parseDouble(d[6]), d[7],
                        Math.round(frac[0] * 10000) / 100.0, Math.round(frac[1] * 10000) / 100.0));
                l.slideDone(i, slides, spec.id(), isTest, slide.glomeruli().size(), (System.nanoTime() - s0) / 1e9);
            }
        }
        KaggleFiles.writeDatasetInfo(dir.resolve(KaggleFiles.DATASET_INFO), infos);
        written.add(dir.resolve("train.csv"));
        written.add(dir.resolve("test_truth.csv"));
        written.add(dir.resolve("sample_submission.csv"));
        written.add(dir.resolve(KaggleFiles.DATASET_INFO));
        long bytes = 0;
        for (Path p : written) {
            bytes += Files.size(p);
            files++;
        }
        return new Summary(dir, List.copyOf(trainIds), List.copyOf(testIds), files, bytes, glomeruli,
                (System.nanoTime() - t0) / 1e9);
    }

    private static int patientIndex(Plan plan, long patient) {
        List<Long> distinct = new ArrayList<>();
        for (Long p : plan.patients()) {
            if (!distinct.contains(p)) {
                distinct.add(p);
            }
        }
        return distinct.indexOf(patient);
    }

    private static String[] donor(SplittableRandom r) {
        String[] races = {"White", "Black or African American", "Asian"};
        double h = 155 + 35 * r.nextDouble();
        double wkg = 55 + 55 * r.nextDouble();
        double bmi = wkg / (h / 100 * h / 100);
        return new String[] {races[r.nextInt(races.length)], "Not Hispanic or Latino", r.nextBoolean() ? "Male" : "Female",
            Integer.toString(30 + r.nextInt(50)), String.format(Locale.ROOT, "%.1f", wkg),
            String.format(Locale.ROOT, "%.1f", h), String.format(Locale.ROOT, "%.1f", bmi),
            r.nextBoolean() ? "Left" : "Right"};
    }

    private static Polygon clamp(Polygon p, SlideSpec spec) {
        double[] xs = p.xs().clone();
        double[] ys = p.ys().clone();
        for (int i = 0; i < xs.length; i++) {
            xs[i] = Math.max(0, Math.min(spec.width(), xs[i]));
            ys[i] = Math.max(0, Math.min(spec.height(), ys[i]));
        }
        return new Polygon(xs, ys);
    }

    /** Options of a {@link SyntheticDataset}; {@link #build()} validates them. */
    public static final class Builder {
        private final Path dir;
        private int slides = 8;
        private int width = 4096;
        private int height = 4096;
        private long seed = 42;
        private int patients = 4;
        private TiffSlideWriter.Compression compression = TiffSlideWriter.Compression.DEFLATE;
        private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

        private Builder(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
        }

        /** Number of slides, train and test together (default 8: 6 train, 2 test). */
        public Builder slides(int slides) {
            this.slides = slides;
            return this;
        }

        /** Slide size in pixels (default 4096 x 4096). */
        public Builder size(int width, int height) {
            this.width = width;
            this.height = height;
            return this;
        }

        /** Generator seed (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Number of patients (default 4). */
        public Builder patients(int patients) {
            this.patients = patients;
            return this;
        }

        /** TIFF compression (default deflate). */
        public Builder compression(TiffSlideWriter.Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /** Threads generating and compressing tiles (default: available processors). */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Validates the options. */
        public SyntheticDataset build() {
            if (slides < 1 || slides > 10_000) {
                throw new IllegalArgumentException("slides must be in 1..10000, got " + slides);
            }
            if (width < 256 || height < 256) {
                throw new IllegalArgumentException("size must be at least 256x256, got " + width + "x" + height);
            }
            if (patients < 1 || patients > 1000) {
                throw new IllegalArgumentException("patients must be in 1..1000, got " + patients);
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            }
            return new SyntheticDataset(this);
        }
    }
}
