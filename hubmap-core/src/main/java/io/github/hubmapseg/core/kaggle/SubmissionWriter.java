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
 * file in the same directory ({@link AtomicFiles#stage}) and moved into place by {@link #commit()} (or
 * {@link #close()}); {@link #abort()} discards it.
 *
 * <p>Failures: once writing a row failed after its first byte (an exception or error of any kind,
 * {@link OutOfMemoryError} and an exception thrown by an {@link RleProducer} included), {@link #close()}
 * discards the file and the old target stays. A row refused by the argument checks (bad or duplicate id) is not
 * written and leaves the file consistent. An exception thrown by the caller's own code <i>between</i> rows cannot be seen by
 * {@code close()} in a try-with-resources block: callers whose code between rows may fail use
 * {@link #write(Path, String, Body)} (commits only if the body returns normally) or call {@link #abort()} in a
 * {@code catch}.
 */
public final class SubmissionWriter implements AutoCloseable {

    /** Writes RLE text to the file as it is produced. */
    @FunctionalInterface
    public interface RleProducer {
        /** Appends the RLE ({@code start length ...}, no quotes, no line break) to {@code out}. */
        void writeTo(Appendable out) throws IOException;
    }

    /** The rows of a file written by {@link #write(Path, String, Body)}. */
    @FunctionalInterface
    public interface Body {
        /** Adds the rows. */
        void write(SubmissionWriter rows) throws IOException;
    }

    /** Header value column of a submission ({@code id,predicted}). */
    public static final String PREDICTED = "predicted";
    /** Header value column of {@code train.csv} ({@code id,encoding}). */
    public static final String ENCODING = "encoding";

    private final Path target;
    private final AtomicFiles.Staged staged;
    private final Writer out;
    private final Set<String> ids = new HashSet<>();
    private boolean closed;
    private boolean failed;

    private SubmissionWriter(Path target, String valueColumn) throws IOException {
        this.target = target.toAbsolutePath();
        this.staged = AtomicFiles.stage(this.target);
        Writer w = null;
        try {
            w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(staged.temp()),
                    StandardCharsets.UTF_8), 1 << 16);
            w.write("id," + valueColumn + "\n");
        } catch (Throwable t) {
            if (w != null) {
                try {
                    w.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            staged.close();
            throw t;
        }
        this.out = w;
    }

    /**
     * Writes a two-column RLE CSV with header {@code id,<valueColumn>} ({@link #PREDICTED} or {@link #ENCODING}):
     * the file is moved into place only if {@code body} returns normally; on any exception or error the old file
     * (or none) stays.
     */
    public static void write(Path target, String valueColumn, Body body) throws IOException {
        if (!PREDICTED.equals(valueColumn) && !ENCODING.equals(valueColumn)) {
            throw new IllegalArgumentException("valueColumn must be " + PREDICTED + " or " + ENCODING + ", got '"
                    + valueColumn + "'");
        }
        SubmissionWriter w = new SubmissionWriter(Objects.requireNonNull(target, "target"), valueColumn);
        try {
            body.write(w);
        } catch (Throwable t) {
            w.abort();
            throw t;
        }
        w.commit();
    }

    /** A submission file, header {@code id,predicted}. */
    public static SubmissionWriter submission(Path target) throws IOException {
        return new SubmissionWriter(Objects.requireNonNull(target, "target"), PREDICTED);
    }

    /** A train-style file, header {@code id,encoding}. */
    public static SubmissionWriter encodings(Path target) throws IOException {
        return new SubmissionWriter(Objects.requireNonNull(target, "target"), ENCODING);
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
        if (id.isEmpty() || id.indexOf(',') >= 0 || id.indexOf('"') >= 0 || id.indexOf('\n') >= 0
                || id.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("id must be non-empty without commas, quotes or line breaks, got '"
                    + id + "'");
        }
        if (!ids.add(id)) {
            throw new IllegalArgumentException("id '" + id + "' was already written to " + target);
        }
        boolean ok = false;
        try {
            out.write(id);
            out.write(',');
            producer.writeTo(out);
            out.write('\n');
            ok = true;
        } finally {
            if (!ok) {
                failed = true;
            }
        }
    }

    /** Flushes and moves the file into place; fails (discarding the file) if an earlier call failed. */
    public void commit() throws IOException {
        if (closed) {
            throw new IllegalStateException("writer of " + target + " is closed");
        }
        if (failed) {
            abort();
            throw new IllegalStateException("a row of " + target + " failed; the file was discarded");
        }
        closed = true;
        boolean ok = false;
        try {
            out.close();
            staged.commit();
            ok = true;
        } finally {
            if (!ok) {
                staged.close();
            }
        }
    }

    /**
     * Moves the file into place, unless an earlier call of this writer failed: then the file is discarded
     * (and the old target stays). Does nothing after {@link #commit()} or {@link #abort()}.
     */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        if (failed) {
            abort();
            return;
        }
        commit();
    }

    /** Discards the temporary file; the target is left untouched. */
    public void abort() {
        closed = true;
        try {
            out.close();
        } catch (IOException ignored) {
            // best effort
        }
        staged.close();
    }
}
