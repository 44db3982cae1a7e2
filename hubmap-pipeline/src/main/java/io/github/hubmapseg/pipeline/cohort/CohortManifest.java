package io.github.hubmapseg.pipeline.cohort;

import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.core.io.TextFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code OUT/cohort.json}: the whole cohort (every slide in its stable order, not only a shard's) and the digest
 * its units are predicted with. Each shard writes the same content, so shards may share one output folder;
 * {@code hubmap merge} checks that the folders it merges agree on both.
 *
 * @param format {@value #FORMAT}
 * @param digest the {@link CohortPredictor#digest()}
 * @param source what the slide list came from
 * @param slides the slides in their stable order
 */
public record CohortManifest(String format, String digest, String source, List<CohortSlide> slides) {
    /** The format written. */
    public static final String FORMAT = "hubmap-cohort/1";
    /** File name inside an output folder. */
    public static final String FILE = "cohort.json";

    /** Validates. */
    public CohortManifest {
        slides = List.copyOf(slides);
    }

    /** The manifest of a cohort predicted with a digest. */
    public static CohortManifest of(Cohort cohort, String digest) {
        return new CohortManifest(FORMAT, digest, cohort.source(), cohort.slides());
    }

    /** @return the ids in order */
    public List<String> ids() {
        return slides.stream().map(CohortSlide::id).toList();
    }

    /** Writes {@code dir/cohort.json} atomically. */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] b = SlideUnits.JSON.writeValueAsBytes(this);
        AtomicFiles.write(dir.resolve(FILE), out -> out.write(b));
    }

    /**
     * Reads {@code dir/cohort.json}.
     *
     * @throws IllegalArgumentException in one line when it is missing or not a manifest
     */
    public static CohortManifest read(Path dir) throws IOException {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException(dir + " is not a cohort output folder: " + FILE + " is missing (written "
                    + "by 'hubmap predict --out-dir')");
        }
        CohortManifest m;
        try {
            m = SlideUnits.JSON.readValue(TextFiles.readString(f, 1L << 28), CohortManifest.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(f + " is not a cohort manifest: " + String.valueOf(e.getMessage())
                    .replaceAll("\\s*\\R\\s*", " "));
        }
        if (!FORMAT.equals(m.format())) {
            throw new IllegalArgumentException(f + ": format must be " + FORMAT + ", got '" + m.format() + "'");
        }
        return m;
    }
}
