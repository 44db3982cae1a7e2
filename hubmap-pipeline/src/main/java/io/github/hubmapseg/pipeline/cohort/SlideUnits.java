package io.github.hubmapseg.pipeline.cohort;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.io.TextFiles;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.pipeline.infer.Inference;
import io.github.hubmapseg.pipeline.infer.Overlays;
import io.github.hubmapseg.pipeline.infer.PolygonOutput;
import io.github.hubmapseg.pipeline.infer.ProbabilityTiffOutput;
import io.github.hubmapseg.tiling.ProgressListener;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Per-slide work units: one slide predicted with a loaded {@link CohortPredictor} into its folder
 * {@code OUT/slides/<id>/}: {@value #MASK} (the RLE of the submission row, without the id), the outputs asked for
 * ({@link UnitOutputs}) and, LAST, the record {@value #RECORD} ({@link UnitRecord}). Every file goes to a temporary
 * file then is moved into place, so a reader never sees a partial file; a killed process leaves at most hidden
 * {@code .NAME.<hex>.tmp} files.
 * <p>Idempotent: predicting is deterministic, so two processes finishing the same slide (a retried or
 * speculative Spark task, two shards given overlapping work) write the same {@value #MASK}; whichever record
 * lands last names the same content hash. A unit counts as {@link UnitStatus#DONE done} only when its record
 * carries the current digest, the slide file's size and modification time are those recorded and the files it
 * names exist with {@value #MASK} hashing to the recorded SHA-256; anything else is redone.
 */
public final class SlideUnits {
    /** Format of {@link UnitRecord}. */
    public static final String FORMAT = "hubmap-slide-unit/1";
    /** Folder of the units inside an output folder. */
    public static final String SLIDES = "slides";
    /** The unit's record, written last. */
    public static final String RECORD = "unit.json";
    /** The unit's RLE (the submission row's second field). */
    public static final String MASK = "mask.rle";
    /** Largest record read (a record is a few hundred bytes). */
    private static final long MAX_RECORD_BYTES = 1 << 20;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SlideUnits() {
    }

    /** @return the unit folder of a slide, {@code out/slides/<id>} */
    public static Path dir(Path out, String id) {
        return out.resolve(SLIDES).resolve(id);
    }

    /**
     * The unit's record, or empty when there is none or it cannot be read (a record of another format, a file
     * that is not one: the unit is then redone).
     */
    public static Optional<UnitRecord> read(Path out, String id) {
        Path f = dir(out, id).resolve(RECORD);
        try {
            UnitRecord r = JSON.readValue(TextFiles.readString(f, MAX_RECORD_BYTES), UnitRecord.class);
            return FORMAT.equals(r.format()) && id.equals(r.id()) ? Optional.of(r) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Where a slide's unit stands against the current digest and the slide file as it is now.
     *
     * @throws IOException if the slide file cannot be read (missing: an error naming it)
     */
    public static UnitStatus status(Path out, CohortSlide slide, String digest) throws IOException {
        Path unit = dir(out, slide.id());
        if (!Files.exists(unit.resolve(RECORD))) {
            return UnitStatus.MISSING;
        }
        Optional<UnitRecord> r = read(out, slide.id());
        if (r.isEmpty()) {
            return UnitStatus.INCOMPLETE;
        }
        if (!r.get().digest().equals(digest)) {
            return UnitStatus.SETTINGS_CHANGED;
        }
        long[] st = stat(slide.path());
        if (st[0] != r.get().size() || st[1] != r.get().mtime()) {
            return UnitStatus.INPUT_CHANGED;
        }
        return complete(unit, r.get()) ? UnitStatus.DONE : UnitStatus.INCOMPLETE;
    }

    /** @return whether the slide's unit is {@link UnitStatus#DONE done} (then it is skipped) */
    public static boolean isDone(Path out, CohortSlide slide, String digest) throws IOException {
        return status(out, slide, digest) == UnitStatus.DONE;
    }

    /**
     * The record of a finished unit with this digest whose files are all there and whose {@value #MASK} matches
     * its hash (the slide file is not looked at: the assembler may run where the slides are not mounted).
     */
    public static Optional<UnitRecord> finished(Path out, String id, String digest) {
        Optional<UnitRecord> r = read(out, id);
        if (r.isEmpty() || !r.get().digest().equals(digest)) {
            return Optional.empty();
        }
        try {
            return complete(dir(out, id), r.get()) ? r : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static boolean complete(Path unit, UnitRecord r) throws IOException {
        for (String o : r.outputs()) {
            if (!Files.isRegularFile(unit.resolve(o))) {
                return false;
            }
        }
        Path mask = unit.resolve(MASK);
        return Files.isRegularFile(mask) && sha256(Files.readAllBytes(mask)).equals(r.rleSha256());
    }

    /** Appends a finished unit's RLE to {@code to} (the submission row's second field). */
    public static void copyRle(Path out, String id, Appendable to) throws IOException {
        try (Reader in = Files.newBufferedReader(dir(out, id).resolve(MASK), StandardCharsets.UTF_8)) {
            char[] buf = new char[1 << 16];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
                to.append(java.nio.CharBuffer.wrap(buf, 0, n));
            }
        }
    }

    /**
     * Predicts ONE slide with a loaded ensemble and writes its unit: every output asked for, {@value #MASK}, then
     * the record. Does not look whether the unit is done ({@link #status}).
     *
     * @param predictor the loaded ensemble
     * @param slide     the slide
     * @param out       the output folder (the unit goes to {@code out/slides/<id>/})
     * @param truth     the slide's true mask as RLE (for its Dice), or {@code null}
     * @param progress  window progress of the slide, or {@code null}
     * @return the record written
     * @throws IOException if the slide cannot be read or a file cannot be written
     */
    public static UnitRecord run(CohortPredictor predictor, CohortSlide slide, Path out, String truth,
                                 ProgressListener progress) throws IOException {
        long t0 = System.nanoTime();
        Path unit = dir(out, slide.id());
        Files.createDirectories(unit);
        long[] st = stat(slide.path());
        UnitOutputs o = predictor.outputs();
        PolygonOutput polygons = o.polygons(unit);
        ProbabilityTiffOutput tiff = o.tiff(unit);
        List<String> outputs = new ArrayList<>();
        Inference inference = predictor.inference().withProgress(progress);
        try (ImageSource s = ImageSources.open(slide.path())) {
            Inference.SlideResult result = inference.predictSlide(s, predictor.predictors(), slide.id(), polygons,
                    tiff);
            RleRuns runs = result.runs();
            if (tiff != null) {
                outputs.add(tiff.file(slide.id()).getFileName().toString());
            }
            if (polygons != null) {
                outputs.add(polygons.file(slide.id()).getFileName().toString());
            }
            RleRuns truthRuns = truth == null ? null
                    : Rle.parse(truth, Math.toIntExact(s.height()), Math.toIntExact(s.width()));
            if (o.overlaySide() > 0) {
                Path png = unit.resolve(slide.id() + ".png");
                Overlays.write(s, truthRuns, runs, o.overlaySide(), png);
                outputs.add(png.getFileName().toString());
            }
            byte[] rle = Rle.format(runs).getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(unit.resolve(MASK), w -> w.write(rle));
            Double dice = truthRuns == null ? null : Dice.dice(runs, truthRuns);
            double secs = (System.nanoTime() - t0) / 1e9;
            UnitRecord r = new UnitRecord(FORMAT, slide.id(), predictor.digest(), slide.file(), st[0], st[1],
                    s.width(), s.height(), sha256(rle), outputs, Math.round(secs * 1000) / 1000.0, dice);
            AtomicFiles.write(unit.resolve(RECORD), w -> w.write(JSON.writeValueAsBytes(r)));
            return r;
        }
    }

    /** @return {size, mtime millis} of a slide file; a missing one is an error naming it */
    static long[] stat(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new long[] {a.size(), a.lastModifiedTime().toMillis()};
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("slide file " + file + " does not exist");
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
