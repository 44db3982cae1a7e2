package io.github.hubmapseg.pipeline.data;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.CompetitionLayout;
import io.github.hubmapseg.core.kaggle.DatasetInfo;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.pipeline.folds.FoldItem;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.imglib2.Interval;

/**
 * A HuBMAP competition folder, real or synthetic ({@code hubmap synth}), in the layout of
 * {@link CompetitionLayout} (the one home of the paths): slides ({@code .tiff} or {@code .tif}) under
 * {@code train/}, {@code test/} and optional {@code external/} (unlabelled slides for pseudo-labelling),
 * {@code train.csv} (id, RLE), optional {@code test_truth.csv} (synthetic only), {@code sample_submission.csv},
 * the dataset-information CSV (patients) and {@code <id>-anatomical-structure.json}. {@link #withPseudoLabels} gives a view where pseudo-labelled slides have masks and an
 * ignored (uncertain) region that training-tile sampling avoids.
 * <p>Lazy: slides are opened on first use and kept open (they only hold file handles and a tile cache);
 * masks are parsed from their RLE to runs on first use (O(runs) memory, never a full mask) and decoded per
 * window. Thread-safe. Close it to close the slides.
 */
public final class CompetitionDataset implements AutoCloseable {
    /** File of the synthetic test masks (not in the real competition data): {@link CompetitionLayout#TEST_TRUTH}. */
    public static final String TEST_TRUTH = CompetitionLayout.TEST_TRUTH;

    private final Path dir;
    private final CompetitionLayout layout;
    private final List<String> trainIds;
    private final List<String> testIds;
    private final Map<String, String> encodings = new HashMap<>();
    private final Map<String, DatasetInfo> infos = new HashMap<>();
    private final Map<String, ImageSource> slides = new HashMap<>();
    private final Map<String, RleRuns> masks = new HashMap<>();
    private final Map<String, String> ignoredEncodings = new HashMap<>();
    private final Map<String, RleRuns> ignored = new HashMap<>();
    private double maxIgnoredFraction = 1;

    private CompetitionDataset(Path dir, List<String> trainIds, List<String> testIds) {
        this.dir = dir;
        this.layout = new CompetitionLayout(dir);
        this.trainIds = List.copyOf(trainIds);
        this.testIds = List.copyOf(testIds);
    }

    /**
     * Opens a competition folder.
     *
     * @param dir the folder
     * @return the dataset
     * @throws IOException if it is not a competition folder or a CSV cannot be read
     */
    public static CompetitionDataset open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("data folder " + dir + " does not exist");
        }
        CompetitionLayout layout = new CompetitionLayout(dir);
        Path train = layout.trainCsv();
        if (!Files.exists(train)) {
            throw new IllegalArgumentException(dir + " is not a competition folder: train.csv is missing (expected "
                    + "train/, test/, train.csv as in the Kaggle data or 'hubmap synth' output)");
        }
        List<TrainRow> rows = KaggleFiles.readTrain(train);
        List<String> trainIds = new ArrayList<>();
        Map<String, String> enc = new LinkedHashMap<>();
        for (TrainRow r : rows) {
            trainIds.add(r.id());
            enc.put(r.id(), r.encoding());
        }
        List<String> testIds = new ArrayList<>();
        Path sample = layout.sampleSubmission();
        if (Files.exists(sample)) {
            for (TrainRow r : KaggleFiles.readSubmission(sample)) {
                testIds.add(r.id());
            }
        } else {
            testIds.addAll(layout.slideIds(CompetitionLayout.Split.TEST));
        }
        Path truth = layout.testTruth();
        if (Files.exists(truth)) {
            for (TrainRow r : KaggleFiles.readTrain(truth)) {
                enc.put(r.id(), r.encoding());
            }
        }
        CompetitionDataset d = new CompetitionDataset(dir, trainIds, testIds);
        d.encodings.putAll(enc);
        Path info = layout.datasetInfo();
        if (Files.exists(info)) {
            for (DatasetInfo i : KaggleFiles.readDatasetInfo(info)) {
                d.infos.put(i.id(), i);
            }
        }
        return d;
    }

    /** @return the folder */
    public Path dir() {
        return dir;
    }

    /** @return ids of the training slides (train.csv order) */
    public List<String> trainIds() {
        return trainIds;
    }

    /** @return ids of the test slides (sample_submission.csv order) */
    public List<String> testIds() {
        return testIds;
    }

    /** @return whether a mask (train.csv or test_truth.csv) exists for the slide */
    public boolean hasMask(String id) {
        return encodings.containsKey(id);
    }

    /** @return the folder's layout (its paths) */
    public CompetitionLayout layout() {
        return layout;
    }

    /** @return the slide's TIFF file under train/, test/ or external/ ({@link CompetitionLayout#slide}) */
    public Path slidePath(String id) {
        return layout.slide(id);
    }

    /**
     * The slide, opened on first use and kept open until {@link #close()}.
     *
     * @param id slide id
     * @return the image source (do not close it; the dataset does)
     * @throws IOException if it cannot be opened
     */
    public synchronized ImageSource slide(String id) throws IOException {
        ImageSource s = slides.get(id);
        if (s == null) {
            s = ImageSources.open(slidePath(id));
            slides.put(id, s);
        }
        return s;
    }

    /**
     * The slide's mask as runs (parsed once, then cached).
     *
     * @param id slide id with a mask
     * @return the runs
     * @throws IOException if the slide (for its size) cannot be opened
     */
    public RleRuns mask(String id) throws IOException {
        synchronized (this) {
            RleRuns r = masks.get(id);
            if (r != null) {
                return r;
            }
        }
        String enc = encodings.get(id);
        if (enc == null) {
            throw new IllegalArgumentException("no mask for slide '" + id + "' (train.csv / " + TEST_TRUTH + ")");
        }
        ImageSource s = slide(id);
        RleRuns r = Rle.parse(enc, Math.toIntExact(s.height()), Math.toIntExact(s.width()));
        synchronized (this) {
            masks.put(id, r);
        }
        return r;
    }

    /**
     * The mask under a full-resolution region at a reduce factor: output pixel {@code (i, j)} is 1 where at
     * least half of its {@code reduce x reduce} block is foreground (pixels outside the slide count as 0).
     *
     * @param id     slide id with a mask
     * @param region full-resolution region {@code (x, y)}, inclusive max, may extend past the slide
     * @param reduce reduce factor, {@code >= 1}
     * @return row-major {@code ceil(h / reduce) x ceil(w / reduce)} 0/1 bytes
     * @throws IOException if the slide cannot be opened
     */
    public byte[] maskWindow(String id, Interval region, int reduce) throws IOException {
        return reduceMask(Rle.decodeWindow(mask(id), region), (int) region.dimension(0), (int) region.dimension(1),
                reduce);
    }

    /**
     * Block-reduces a 0/1 mask: an output pixel is 1 where at least half of its block is 1 (a partial last
     * block counts its missing pixels as 0).
     *
     * @param mask   row-major {@code h x w}
     * @param w      width
     * @param h      height
     * @param reduce factor {@code >= 1}
     * @return row-major {@code ceil(h / reduce) x ceil(w / reduce)}
     */
    public static byte[] reduceMask(byte[] mask, int w, int h, int reduce) {
        if (reduce < 1) {
            throw new IllegalArgumentException("reduce must be >= 1, got " + reduce);
        }
        if (reduce == 1) {
            return mask;
        }
        int ow = (w + reduce - 1) / reduce;
        int oh = (h + reduce - 1) / reduce;
        int[] acc = new int[ow];
        byte[] out = new byte[ow * oh];
        int half = (reduce * reduce + 1) / 2;
        for (int oy = 0; oy < oh; oy++) {
            java.util.Arrays.fill(acc, 0);
            for (int y = oy * reduce, ye = Math.min(h, y + reduce); y < ye; y++) {
                int base = y * w;
                for (int x = 0; x < w; x++) {
                    acc[x / reduce] += mask[base + x];
                }
            }
            for (int ox = 0; ox < ow; ox++) {
                out[oy * ow + ox] = (byte) (acc[ox] >= half ? 1 : 0);
            }
        }
        return out;
    }

    /** @return ids of the unlabelled slides under {@code external/} (sorted; empty without the folder) */
    public List<String> externalIds() throws IOException {
        return layout.slideIds(CompetitionLayout.Split.EXTERNAL);
    }

    /**
     * A view of this folder where the pseudo-labelled slides have the pseudo masks (replacing any mask they
     * had, e.g. the synthetic {@code test_truth.csv}) and an ignored region (the uncertain pixels). The view
     * opens its own slides; close it too.
     *
     * @param labels the pseudo-labels (every id must be a slide of the folder)
     * @return the view
     */
    public CompetitionDataset withPseudoLabels(io.github.hubmapseg.pipeline.pseudo.PseudoLabels labels) {
        for (String id : labels.masks().keySet()) {
            slidePath(id);
        }
        CompetitionDataset d = new CompetitionDataset(dir, trainIds, testIds);
        d.encodings.putAll(encodings);
        d.encodings.putAll(labels.masks());
        d.infos.putAll(infos);
        d.ignoredEncodings.putAll(labels.uncertain());
        d.maxIgnoredFraction = labels.maxUncertainFraction();
        return d;
    }

    /** @return whether the slide has an ignored (pseudo-label uncertain) region */
    public boolean hasIgnoredRegion(String id) {
        return ignoredEncodings.containsKey(id);
    }

    /** @return the largest ignored share a training tile may have (1 without pseudo-labels) */
    public double maxIgnoredFraction() {
        return maxIgnoredFraction;
    }

    /**
     * The share of a full-resolution region's pixels that lie in the slide's ignored region (pixels outside
     * the slide count as not ignored); 0 for slides without one.
     *
     * @param id     slide id
     * @param region full-resolution region, inclusive max
     * @return the share in [0, 1]
     * @throws IOException if the slide cannot be opened
     */
    public double ignoredFraction(String id, Interval region) throws IOException {
        String enc = ignoredEncodings.get(id);
        if (enc == null) {
            return 0;
        }
        RleRuns r;
        synchronized (this) {
            r = ignored.get(id);
        }
        if (r == null) {
            ImageSource s = slide(id);
            r = Rle.parse(enc, Math.toIntExact(s.height()), Math.toIntExact(s.width()));
            synchronized (this) {
                ignored.put(id, r);
            }
        }
        byte[] m = Rle.decodeWindow(r, region);
        long n = 0;
        for (byte b : m) {
            n += b;
        }
        return m.length == 0 ? 0 : n / (double) m.length;
    }

    /** @return the dataset-information row of the slide, when the CSV has one */
    public Optional<DatasetInfo> info(String id) {
        return Optional.ofNullable(infos.get(id));
    }

    /** @return the slide's patient number as text, or the slide id when unknown (then each slide is its own group) */
    public String patient(String id) {
        DatasetInfo i = infos.get(id);
        return i == null ? id : Long.toString(i.patientNumber());
    }

    /**
     * Items for {@code Folds}: one per slide, grouped by patient ({@code byPatient}) or by image, labelled by
     * whether the slide has any glomerulus (as text, for stratification).
     *
     * @param ids       slide ids
     * @param byPatient group by patient rather than by image
     * @return the items
     */
    public List<FoldItem> foldItems(List<String> ids, boolean byPatient) {
        List<FoldItem> items = new ArrayList<>();
        for (String id : ids) {
            String enc = encodings.get(id);
            String label = enc == null ? "" : (enc.isBlank() ? "0" : "1");
            items.add(new FoldItem(id, byPatient ? patient(id) : id, label));
        }
        return items;
    }

    /**
     * The slide's anatomical structures (Cortex, Medulla polygons), read from
     * {@code <id>-anatomical-structure.json} next to the slide; empty when the file is missing.
     *
     * @param id slide id
     * @return the structures
     * @throws IOException if the file exists but cannot be read
     */
    public List<AnatomicalStructure> structures(String id) throws IOException {
        Path slide = slidePath(id);
        Path f = CompetitionLayout.anatomyNextTo(slide, id);
        if (!Files.exists(f)) {
            return Collections.emptyList();
        }
        return KaggleFiles.readAnatomicalStructures(f);
    }

    @Override
    public synchronized void close() throws IOException {
        IOException first = null;
        for (ImageSource s : slides.values()) {
            try {
                s.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        slides.clear();
        if (first != null) {
            throw first;
        }
    }
}
