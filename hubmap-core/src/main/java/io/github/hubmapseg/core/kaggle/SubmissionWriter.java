package io.github.hubmapseg.core.kaggle;

import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Streams a two-column CSV of RLE masks ({@code submission.csv}: {@code id,predicted}; also used for
 * {@code train.csv} and {@code test_truth.csv} with header {@code id,encoding}) one slide at a time, so a
 * 30000 x 25000 mask's RLE can be written while it is being computed. The file is written to a temporary
 * file in the same directory and moved into place by {@link #close()}; {@link #abort()} discards it.
 */
public final class SubmissionWriter implements AutoCloseable {

    /** Writes RLE text to the file as it is produced. */
    @FunctionalInterface
    public interface RleProducer {
        /** Appends the RLE ({@code start length ...}, no quotes, no line break) to {@code out}. */
        void writeTo(Appendable out) throws IOException;
    }

    private final Path target;
    private final Path temp;
    private final Writer out;
    private final Set<String> ids = new HashSet<>();
    private boolean closed;

    private SubmissionWriter(Path target, String valueColumn) throws IOException {
        this.target = target.toAbsolutePath();
        this.temp = AtomicFiles.siblingTemp(this.target);
        this.out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(temp), StandardCharsets.UTF_8),
                1 << 16);
        out.write("id," + valueColumn + "\n");
    }

    /** A submission file, header {@code id,predicted}. */
    public static SubmissionWriter submission(Path target) throws IOException {
        return new SubmissionWriter(Objects.requireNonNull(target, "target"), "predicted");
    }

    /** A train-style file, header {@code id,encoding}. */
    public static SubmissionWriter encodings(Path target) throws IOException {
        return new SubmissionWriter(Objects.requireNonNull(target, "target"), "encoding");
    }

    /** Adds one slide's row. */
    public void add(String id, String rle) throws IOException {
        Objects.requireNonNull(rle, "rle");
        add(id, o -> o.append(rle));
    }

    /** Adds one slide's row, the RLE being streamed by {@code producer}. */
    public void add(String id, RleProducer producer) throws IOException {
        if (closed) {
            throw new IllegalStateException("writer of " + target + " is closed");
        }
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.indexOf(',') >= 0 || id.indexOf('"') >= 0 || id.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("id must be non-empty without commas, quotes or line breaks, got '"
                    + id + "'");
        }
        if (!ids.add(id)) {
            throw new IllegalArgumentException("id '" + id + "' was already written to " + target);
        }
        out.write(id);
        out.write(',');
        producer.writeTo(out);
        out.write('\n');
    }

    /** Flushes and moves the file into place. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        boolean ok = false;
        try {
            out.close();
            AtomicFiles.moveIntoPlace(temp, target);
            ok = true;
        } finally {
            if (!ok) {
                Files.deleteIfExists(temp);
            }
        }
    }

    /** Discards the temporary file; the target is left untouched. */
    public void abort() {
        closed = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // best effort
        }
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // best effort
        }
    }
}
