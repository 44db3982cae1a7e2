package io.github.hubmapseg.core.synth;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.CompetitionLayout;
import io.github.hubmapseg.core.kaggle.DatasetInfo;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.kaggle.SubmissionWriter;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes a synthetic competition folder in the real HuBMAP layout ({@link CompetitionLayout}, the one home of
 * the paths), so that every pipeline runs without the competition data: tiled BigTIFF RGB slides under
 * {@code train/} and {@code test/} with their anatomical-structure JSON, glomerulus polygons of the training
 * slides, {@code train.csv}, {@code sample_submission.csv}, {@code test_truth.csv} (the test masks, to score
 * predictions; not in the real data), the dataset-information CSV and, for the hard profile, the look-alike
 * files ({@link #lookalikeFile}).
 * Everything is a deterministic function of the options: ids ({@code 9} hex digits), patients, slide
 * geometry and stain. The last quarter of the slides (at least one when there are two or more) are test
 * slides; slides are assigned to patients round-robin within train and within test, so patient-grouped folds
 * are possible.
 */
public final class SyntheticDataset {

    /**
     * Classification name of sclerotic glomeruli: of the anatomical-structure feature listing all of them (hard
     * profile, every slide: the 4th place's second class) and of the glomerulus JSON features of the labelled ones
     * on the outlier slide.
     */
    public static final String SCLEROTIC_STRUCTURE = "Sclerotic glomerulus";

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
    private final SynthProfile profile;
    private final Set<SynthElement> elements;
    private final int testSlides;
    private final int outlier;
    private final double outlierShare;
    private final boolean outlierLabelled;

    private SyntheticDataset(Builder b) {
        this.outlierShare = b.outlierShare;
        this.outlierLabelled = b.outlierLabelled;
        this.profile = b.profile;
        this.elements = b.elements;
        this.testSlides = b.testSlides;
        this.outlier = b.outlier;
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
        int nTest = testSlides >= 0 ? testSlides : slides < 2 ? 0 : Math.max(1, Math.round(slides * 0.25f));
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

    /**
     * The slide of this dataset whose sclerotic glomeruli are labelled (the hard profile's outlier, like
     * d488c759a in the public test set of the 3rd- and 4th-place write-ups): the {@link Builder#outlierSlide}
     * index, by default the first test slide (the first slide without test slides); -1 when there is none
     * (easy profile, or {@link SynthElement#SCLEROTIC} off).
     */
    public int outlierIndex() {
        if (profile != SynthProfile.HARD || !elements.contains(SynthElement.SCLEROTIC) || outlier == -2) {
            return -1;
        }
        if (outlier >= 0) {
            return outlier;
        }
        int nTest = plan().test().indexOf(Boolean.TRUE);
        return Math.max(nTest, 0);
    }

    /** The section of slide {@code index} of the plan. */
    public SyntheticSection section(Plan plan, int index) {
        SlideSpec spec = plan.specs().get(index);
        if (profile == SynthProfile.EASY) {
            return SyntheticSlide.create(spec);
        }
        boolean isOutlier = index == outlierIndex();
        return HardSyntheticSlide.create(spec, new HardSyntheticSlide.Options(elements, isOutlier && outlierLabelled,
                isOutlier ? outlierShare : HardSyntheticSlide.SCLEROTIC_SHARE));
    }

    /** Generates and writes everything; existing files of the same names are replaced. */
    public Summary write(Listener listener) throws IOException {
        Listener l = listener == null ? new Listener() { } : listener;
        long t0 = System.nanoTime();
        Plan plan = plan();
        CompetitionLayout layout = new CompetitionLayout(dir);
        Files.createDirectories(layout.folder(CompetitionLayout.Split.TRAIN));
        Files.createDirectories(layout.folder(CompetitionLayout.Split.TEST));
        List<String> trainIds = new ArrayList<>();
        List<String> testIds = new ArrayList<>();
        List<DatasetInfo> infos = new ArrayList<>();
        SplittableRandom donors = new SplittableRandom(seed ^ 0xD0D0L);
        String[][] donorOf = new String[patients][];
        int files = 0;
        int glomeruli = 0;
        List<Path> written = new ArrayList<>();
        boolean hard = profile == SynthProfile.HARD;
        List<SubmissionWriter> look = new ArrayList<>();
        SubmissionWriter train = SubmissionWriter.encodings(layout.trainCsv());
        SubmissionWriter truth = SubmissionWriter.encodings(layout.testTruth());
        SubmissionWriter sample = SubmissionWriter.submission(layout.sampleSubmission());
        boolean complete = false;
        try {
            if (hard) {
                for (Lookalike k : Lookalike.values()) {
                    look.add(SubmissionWriter.encodings(dir.resolve(lookalikeFile(k))));
                }
            }
            for (int i = 0; i < slides; i++) {
                long s0 = System.nanoTime();
                SlideSpec spec = plan.specs().get(i);
                boolean isTest = plan.test().get(i);
                SyntheticSection slide = section(plan, i);
                CompetitionLayout.Split split = isTest ? CompetitionLayout.Split.TEST : CompetitionLayout.Split.TRAIN;
                Path tiff = layout.slideFile(split, spec.id());
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
                String anatomy = CompetitionLayout.anatomyFileName(spec.id());
                List<AnatomicalStructure> structures = new ArrayList<>(List.of(
                        new AnatomicalStructure("Cortex", List.of(clamp(slide.tissue().polygon(256), spec))),
                        new AnatomicalStructure("Medulla", List.of(clamp(slide.medulla().polygon(128), spec)))));
                if (slide instanceof HardSyntheticSlide hs) {
                    List<Polygon> scl = new ArrayList<>();
                    for (Polygon p : hs.scleroticPolygons(48)) {
                        scl.add(clamp(p, spec));
                    }
                    if (!scl.isEmpty()) {
                        structures.add(new AnatomicalStructure(SCLEROTIC_STRUCTURE, scl));
                    }
                    for (int k = 0; k < look.size(); k++) {
                        Lookalike kind = Lookalike.values()[k];
                        look.get(k).add(spec.id(), out -> hs.writeLookalikeRle(kind, out));
                    }
                }
                KaggleFiles.writeAnatomicalStructures(layout.anatomyFile(split, spec.id()), structures);
                written.add(layout.anatomyFile(split, spec.id()));
                String glomFile = "";
                if (isTest) {
                    testIds.add(spec.id());
                    truth.add(spec.id(), slide::writeMaskRle);
                    sample.add(spec.id(), "");
                } else {
                    trainIds.add(spec.id());
                    glomFile = CompetitionLayout.glomeruliFileName(spec.id());
                    if (slide instanceof HardSyntheticSlide hs) {
                        List<String> names = new ArrayList<>();
                        for (boolean scl : hs.labelledSclerotic()) {
                            names.add(scl ? SCLEROTIC_STRUCTURE : "glomerulus");
                        }
                        KaggleFiles.writeGlomeruli(layout.glomeruliFile(split, spec.id()), slide.glomerulusPolygons(64),
                                names);
                    } else {
                        KaggleFiles.writeGlomeruli(layout.glomeruliFile(split, spec.id()), slide.glomerulusPolygons(64));
                    }
                    written.add(layout.glomeruliFile(split, spec.id()));
                    train.add(spec.id(), slide::writeMaskRle);
                }
                glomeruli += slide.labelledCount();
                int pi = patientIndex(plan, plan.patients().get(i));
                if (donorOf[pi] == null) {
                    donorOf[pi] = donor(donors);
                }
                String[] d = donorOf[pi];
                double[] frac = slide.regionFractions(32);
                infos.add(new DatasetInfo(CompetitionLayout.slideFileName(spec.id()), spec.width(), spec.height(), anatomy, glomFile,
                        plan.patients().get(i), d[0], d[1], d[2], Double.parseDouble(d[3]), Double.parseDouble(d[4]),
                        Double.parseDouble(d[5]), Double.parseDouble(d[6]), d[7],
                        Math.round(frac[0] * 10000) / 100.0, Math.round(frac[1] * 10000) / 100.0));
                l.slideDone(i, slides, spec.id(), isTest, slide.labelledCount(), (System.nanoTime() - s0) / 1e9);
            }
            // every slide is written: only now do the CSVs replace the old ones (all or none)
            for (SubmissionWriter w : List.of(train, truth, sample)) {
                w.commit();
            }
            for (SubmissionWriter lw : look) {
                lw.commit();
            }
            complete = true;
        } finally {
            if (!complete) {
                train.abort();
                truth.abort();
                sample.abort();
                for (SubmissionWriter lw : look) {
                    lw.abort();
                }
            }
        }
        for (Lookalike k : hard ? Lookalike.values() : new Lookalike[0]) {
            written.add(dir.resolve(lookalikeFile(k)));
        }
        KaggleFiles.writeDatasetInfo(layout.datasetInfo(), infos);
        written.add(layout.trainCsv());
        written.add(layout.testTruth());
        written.add(layout.sampleSubmission());
        written.add(layout.datasetInfo());
        long bytes = 0;
        for (Path p : written) {
            bytes += Files.size(p);
            files++;
        }
        return new Summary(dir, List.copyOf(trainIds), List.copyOf(testIds), files, bytes, glomeruli,
                (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Name of the file listing one kind of hard negative of a hard dataset, every slide (train and test), in the
     * {@code train.csv} layout ({@code id,encoding}): {@code lookalikes-sclerotic.csv} (sclerotic glomeruli that
     * are not labelled), {@code lookalikes-artery.csv}, {@code lookalikes-tubule-cluster.csv}.
     */
    public static String lookalikeFile(Lookalike kind) {
        return "lookalikes-" + kind.id() + ".csv";
    }

    /**
     * The hard negatives of one slide of a hard dataset folder, by {@link Lookalike#id()}; empty when the folder
     * has no look-alike files (easy profile, real data).
     *
     * @throws IOException if a file exists but cannot be read
     */
    public static Map<String, RleRuns> lookalikes(Path dir, String id, int height, int width) throws IOException {
        Map<String, RleRuns> out = new LinkedHashMap<>();
        for (Lookalike k : Lookalike.values()) {
            Path f = dir.resolve(lookalikeFile(k));
            if (Files.exists(f)) {
                for (TrainRow r : KaggleFiles.readTrain(f)) {
                    if (r.id().equals(id)) {
                        out.put(k.id(), Rle.parse(r.encoding(), height, width));
                    }
                }
            }
        }
        return out;
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
        private SynthProfile profile = SynthProfile.EASY;
        private Set<SynthElement> elements = SynthElement.all();
        private int testSlides = -1;
        private int outlier = -1;
        private double outlierShare = HardSyntheticSlide.SCLEROTIC_SHARE;
        private boolean outlierLabelled = true;

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

        /** Generator profile (default {@link SynthProfile#EASY}, today's slides bit for bit). */
        public Builder profile(SynthProfile profile) {
            this.profile = Objects.requireNonNull(profile, "profile");
            return this;
        }

        /** Elements of the hard profile that are on (default all); refused with the easy profile unless all. */
        public Builder elements(Set<SynthElement> elements) {
            this.elements = Set.copyOf(elements);
            return this;
        }

        /** Number of test slides (default: a quarter of the slides, at least one when there are two or more). */
        public Builder testSlides(int n) {
            this.testSlides = n;
            return this;
        }

        /**
         * Index of the outlier slide whose sclerotic glomeruli are labelled (hard profile; default -1: the first
         * test slide); -2 for no outlier.
         */
        public Builder outlierSlide(int index) {
            this.outlier = index;
            return this;
        }

        /**
         * Share of the outlier slide's glomeruli that are globally sclerotic (hard profile; default
         * {@link HardSyntheticSlide#SCLEROTIC_SHARE}, as every slide; the outlier effect needs more of them).
         * Only that slide changes.
         */
        public Builder outlierScleroticShare(double share) {
            this.outlierShare = share;
            return this;
        }

        /**
         * Whether the outlier slide's sclerotic glomeruli are labelled (default true); false draws the same slide
         * with them unlabelled, the control of an outlier experiment.
         */
        public Builder outlierLabelled(boolean labelled) {
            this.outlierLabelled = labelled;
            return this;
        }

        /** Validates the options. */
        public SyntheticDataset build() {
            if (!(outlierShare >= 0 && outlierShare <= 1)) {
                throw new IllegalArgumentException("outlier sclerotic share must be between 0 and 1, got "
                        + outlierShare);
            }
            if (profile == SynthProfile.EASY && (outlierShare != HardSyntheticSlide.SCLEROTIC_SHARE
                    || !outlierLabelled)) {
                throw new IllegalArgumentException("the outlier slide's options need the hard profile");
            }
            if (testSlides != -1 && (testSlides < 0 || testSlides >= slides)) {
                throw new IllegalArgumentException("test slides must be in 0.." + (slides - 1) + " (at least one "
                        + "training slide), got " + testSlides);
            }
            if (outlier < -2 || outlier >= slides) {
                throw new IllegalArgumentException("outlier slide must be a slide index 0.." + (slides - 1)
                        + " (or -1 for the first test slide, -2 for none), got " + outlier);
            }
            if (profile == SynthProfile.EASY && !elements.equals(SynthElement.all())) {
                throw new IllegalArgumentException("elements can only be switched in the hard profile");
            }
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
