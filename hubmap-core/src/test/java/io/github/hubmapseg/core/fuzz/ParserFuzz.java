package io.github.hubmapseg.core.fuzz;

import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.testkit.Mutator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import net.imglib2.FinalInterval;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzz targets (issue #15): each feeds mutated seeds (testkit's {@link Mutator}) to a reader and accepts only success or
 * the reader's documented error: an {@link IOException} whose one-line message starts with the file (TIFF,
 * CSV, JSON), or an {@link IllegalArgumentException} (not a {@link NumberFormatException}) with a one-line
 * message ({@code Rle.parse}). Anything else, {@link OutOfMemoryError} under the stage's 512 MB heap included,
 * fails the property; the input is saved to {@code target/fuzz-findings/} to become a regression test.
 * Tries per target: {@code jqwik.tries.default} (the pom's {@code fuzz.tries}).
 */
@Tag("fuzz")
class ParserFuzz {

    private static final Path TMP;
    static {
        try {
            TMP = Files.createTempDirectory("hubmap-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static AssertionError finding(String target, Mutator.Input in, Throwable t) {
        return Mutator.finding(target, in, t);
    }

    /** A reader of one file format. */
    private interface FileReader {
        void read(Path file) throws IOException;
    }

    /**
     * The one harness of the file targets: writes the input to {@code name} and runs each reader on it; a reader
     * may succeed or throw its documented file error ({@link #checkFileError}), anything else is a finding.
     */
    private static void readAll(String target, Mutator.Input in, String name, FileReader... readers)
            throws IOException {
        Mutator.count(target);
        Path f = Files.write(TMP.resolve(name), in.data());
        for (FileReader reader : readers) {
            try {
                reader.read(f);
            } catch (IOException e) {
                checkFileError(target, in, f, e);
            } catch (Throwable t) {
                throw finding(target, in, t);
            }
        }
    }

    private static void checkFileError(String target, Mutator.Input in, Path file, IOException e) {
        String m = e.getMessage();
        if (m == null || !m.startsWith(file.toString()) || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
            throw finding(target, in, new AssertionError("error message must be one line starting with the file,"
                    + " got: " + m, e));
        }
    }

    // ------------------------------------------------------------------ TIFF open + region read

    @Provide
    Arbitrary<Mutator.Input> tiffs() {
        return Mutator.inputs("tiff");
    }

    @Property(seed = Mutator.CI_SEED)
    void tiffOpenAndRead(@ForAll("tiffs") Mutator.Input in) throws IOException {
        readAll("tiff", in, "fuzz.tif", f -> {
            try (ImageSource s = ImageSources.open(f)) {
                long w = s.width();
                long h = s.height();
                s.read(FinalInterval.createMinSize(0, 0, Math.min(w, 64), Math.min(h, 64)));
                s.read(FinalInterval.createMinSize(w - 10, h - 10, 20, 20)); // across the far corner
                s.read(FinalInterval.createMinSize(Math.max(0, w / 2 - 20), Math.max(0, h / 2 - 20), 40, 40), 4);
            }
        });
    }

    // ------------------------------------------------------------------ Rle.parse

    @Provide
    Arbitrary<Mutator.Input> rles() {
        return Mutator.lines("rle");
    }

    @Property(seed = Mutator.CI_SEED)
    void rleParse(@ForAll("rles") Mutator.Input in) {
        Mutator.count("rle");
        String line = new String(in.data(), StandardCharsets.UTF_8);
        String[] parts = line.split(" ", 3);
        int h;
        int w;
        try {
            h = Integer.parseInt(parts[0]);
            w = Integer.parseInt(parts[1]);
        } catch (RuntimeException e) {
            return; // the mutation broke the test's own shape prefix, not an RLE
        }
        String rle = parts.length > 2 ? parts[2] : "";
        try {
            RleRuns runs = Rle.parse(rle, h, w);
            String canonical = Rle.format(runs);
            if (!Rle.format(Rle.parse(canonical, h, w)).equals(canonical)) {
                throw new AssertionError("format(parse(format(runs))) differs from format(runs): " + canonical);
            }
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            if (e instanceof NumberFormatException || m == null || m.indexOf('\n') >= 0) {
                throw finding("rle", in, e);
            }
        } catch (Throwable t) {
            throw finding("rle", in, t);
        }
    }

    // ------------------------------------------------------------------ CSV readers

    @Provide
    Arbitrary<Mutator.Input> csvs() {
        return Mutator.inputs("csv");
    }

    @Property(seed = Mutator.CI_SEED)
    void csvReaders(@ForAll("csvs") Mutator.Input in) throws IOException {
        readAll("csv", in, "fuzz.csv", KaggleFiles::readTrain, KaggleFiles::readSubmission,
                KaggleFiles::readDatasetInfo);
    }

    // ------------------------------------------------------------------ JSON readers

    @Provide
    Arbitrary<Mutator.Input> jsons() {
        return Mutator.inputs("json");
    }

    @Property(seed = Mutator.CI_SEED)
    void jsonReaders(@ForAll("jsons") Mutator.Input in) throws IOException {
        readAll("json", in, "fuzz.json", KaggleFiles::readGlomeruli, KaggleFiles::readAnatomicalStructures);
    }
}
