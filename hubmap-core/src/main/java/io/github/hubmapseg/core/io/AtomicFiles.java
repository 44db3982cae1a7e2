package io.github.hubmapseg.core.io;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * "Nothing is lost": every file the library writes goes to a temporary file in the target's directory and
 * is then moved over the target ({@code ATOMIC_MOVE}, falling back to a plain replacing move where the file
 * system cannot), so a reader never sees a half-written file and a failed write leaves the old file (or
 * nothing) behind.
 *
 * <p>Streaming writers use {@link #stage} (a {@link Staged} file: {@link Staged#commit()} moves it into place,
 * {@link Staged#close()} without a commit discards it), or the lower-level {@link #siblingTemp} +
 * {@link #moveIntoPlace} / {@link #discard}; whole-file writers use {@link #write} / {@link #writeText}, which
 * discard the temporary file on any {@link Throwable} (an {@link OutOfMemoryError} included).
 *
 * <p>Targets. The target must be a regular file or absent: a directory, device ({@code /dev/full}), FIFO or
 * socket is refused with an {@link IOException} naming it, before anything is written (a move would replace the
 * device node or FIFO by a regular file). A <b>symbolic link is written through</b>: the temporary file is
 * created in the directory of the link's final target, which is replaced atomically; the link itself stays.
 *
 * <p>Temporary files are named {@code .NAME.<hex>.tmp}. Those still in flight when the JVM shuts down
 * normally or on SIGTERM/SIGINT are deleted by a shutdown hook ({@code kill -9} cannot be caught: such a file
 * is left behind). The first time a temporary file is created in a directory, files of that naming older than
 * {@link #STALE_AFTER} are deleted there (leftovers of killed runs).
 */
public final class AtomicFiles {

    /** Age after which a temporary file of our naming is taken for a leftover of a killed run and deleted. */
    public static final Duration STALE_AFTER = Duration.ofHours(12);

    /** {@code .NAME.<hex>.tmp}, the naming of {@link #siblingTemp}. */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.[0-9a-f]{4,}\\.tmp");

    /** Temporary files in flight in this JVM (deleted by the shutdown hook). */
    private static final Set<Path> IN_FLIGHT = ConcurrentHashMap.newKeySet();
    /** Directories already swept in this JVM. */
    private static final Set<Path> SWEPT = ConcurrentHashMap.newKeySet();

    static {
        try {
            Runtime.getRuntime().addShutdownHook(new Thread(AtomicFiles::deleteInFlight, "atomic-files-cleanup"));
        } catch (IllegalStateException | SecurityException ignored) {
            // shutting down already, or not allowed: temporary files are then swept as stale later
        }
    }

    private AtomicFiles() {
    }

    /** Writes a file's content as bytes. */
    @FunctionalInterface
    public interface StreamWriter {
        /** Writes the content. */
        void write(OutputStream out) throws IOException;
    }

    /** Writes a file's content as text. */
    @FunctionalInterface
    public interface TextWriter {
        /** Writes the content. */
        void write(Writer out) throws IOException;
    }

    /**
     * A temporary file that becomes {@link #target()} on {@link #commit()}; closing it without a commit (an
     * exception in between, of any kind) deletes it and leaves the target as it was.
     */
    public static final class Staged implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private boolean done;

        private Staged(Path target, Path temp) {
            this.target = target;
            this.temp = temp;
        }

        /** The file the content is written to. */
        public Path temp() {
            return temp;
        }

        /** The final path (a symbolic link's target already resolved). */
        public Path target() {
            return target;
        }

        /** Moves the temporary file into place; on failure it is deleted. */
        public void commit() throws IOException {
            if (done) {
                throw new IllegalStateException("already committed or discarded: " + target);
            }
            done = true;
            boolean ok = false;
            try {
                moveIntoPlace(temp, target);
                ok = true;
            } finally {
                if (!ok) {
                    discard(temp);
                }
            }
        }

        /** Whether {@link #commit()} succeeded or the file was discarded. */
        public boolean done() {
            return done;
        }

        /** Discards the temporary file unless it was committed. */
        @Override
        public void close() {
            if (!done) {
                done = true;
                discard(temp);
            }
        }
    }

    /**
     * Checks {@code target} ({@link #checkTarget}), creates the temporary file next to its final path and returns
     * the pending write.
     */
    public static Staged stage(Path target) throws IOException {
        Path resolved = checkTarget(target);
        return new Staged(resolved, siblingTemp(resolved));
    }

    /**
     * The path a write to {@code target} replaces: {@code target} itself (absolute), or the final target of a
     * symbolic link (links are written through). Refuses a target that exists and is not a regular file.
     *
     * @throws IOException naming the target and what it is (directory, device, FIFO, ...), or a link loop
     */
    public static Path checkTarget(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path p = abs;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops > 40) {
                throw new IOException(abs + ": too many levels of symbolic links, refusing to write it");
            }
            Path link = Files.readSymbolicLink(p);
            p = p.getParent().resolve(link).normalize();
        }
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return p;
        }
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isRegularFile()) {
            return p;
        }
        String kind = a.isDirectory() ? "a directory" : describeSpecial(p);
        throw new IOException((p.equals(abs) ? abs.toString() : abs + " (-> " + p + ")") + " is " + kind
                + ", not a regular file; refusing to replace it (give a file path)");
    }

    private static String describeSpecial(Path p) {
        try {
            Object mode = Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            int m = ((Integer) mode) & 0170000;
            return switch (m) {
                case 0010000 -> "a FIFO (named pipe)";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0140000 -> "a socket";
                default -> "a special file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a special file";
        }
    }

    /**
     * Creates a new empty hidden temporary file {@code .NAME.<hex>.tmp} next to {@code target} (default
     * permissions, unlike {@link Files#createTempFile}), creating missing parent directories; the file is deleted
     * by the shutdown hook unless {@link #moveIntoPlace moved} or {@link #discard discarded} first. Refuses a
     * target that is not a regular file ({@link #checkTarget}); a symbolic link's temporary file goes next to the
     * link's final target.
     */
    public static Path siblingTemp(Path target) throws IOException {
        Path abs = checkTarget(target);
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        sweepOnce(dir);
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime())
                    + Integer.toHexString(attempt) + ".tmp");
            try {
                Path created = Files.createFile(p);
                IN_FLIGHT.add(created);
                return created;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /**
     * Moves a finished temporary file over {@code target} (over a symbolic link's final target), atomically where
     * the file system allows. Refuses a target that is not a regular file.
     */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        Path abs = checkTarget(target);
        try {
            Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
        IN_FLIGHT.remove(temp);
    }

    /** Deletes a temporary file of {@link #siblingTemp} (best effort, never throws). */
    public static void discard(Path temp) {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // best effort: the sweep or the shutdown hook gets it
        }
        IN_FLIGHT.remove(temp);
    }

    /**
     * Writes {@code target} atomically with the given writer; on any failure ({@link Throwable}) the temporary
     * file is deleted and the target left as it was.
     */
    public static void write(Path target, StreamWriter writer) throws IOException {
        try (Staged s = stage(target)) {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(s.temp()), 1 << 16)) {
                writer.write(out);
            }
            s.commit();
        }
    }

    /** Writes a UTF-8 text file atomically. */
    public static void writeText(Path target, TextWriter writer) throws IOException {
        write(target, out -> {
            Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            writer.write(w);
            w.flush();
        });
    }

    /** Writes a UTF-8 string atomically. */
    public static void writeString(Path target, String content) throws IOException {
        write(target, out -> out.write(content.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * Deletes the temporary files of our naming ({@code .NAME.<hex>.tmp}) in {@code dir} last modified more than
     * {@code olderThan} ago, except those in flight in this JVM. Best effort.
     *
     * @return the number deleted
     */
    public static int sweepStale(Path dir, Duration olderThan) {
        long limit = System.currentTimeMillis() - olderThan.toMillis();
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : ds) {
                if (!TEMP_NAME.matcher(p.getFileName().toString()).matches() || IN_FLIGHT.contains(p)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS);
                    FileTime t = a.lastModifiedTime();
                    if (a.isRegularFile() && t.toMillis() < limit && Files.deleteIfExists(p)) {
                        n++;
                    }
                } catch (IOException ignored) {
                    // gone already, or not ours to delete
                }
            }
        } catch (IOException ignored) {
            // unreadable directory: nothing to sweep
        }
        return n;
    }

    private static void sweepOnce(Path dir) {
        if (SWEPT.add(dir)) {
            sweepStale(dir, STALE_AFTER);
        }
    }

    /** Temporary files in flight in this JVM (for tests). */
    static Set<Path> inFlight() {
        return Set.copyOf(IN_FLIGHT);
    }

    private static void deleteInFlight() {
        for (Path p : IN_FLIGHT) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // best effort at shutdown
            }
        }
    }
}
