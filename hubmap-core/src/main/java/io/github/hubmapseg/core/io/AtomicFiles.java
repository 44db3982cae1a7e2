package io.github.hubmapseg.core.io;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * "Nothing is lost": every file the library writes goes to a temporary file in the target's directory and
 * is then moved over the target ({@code ATOMIC_MOVE}, falling back to a plain replacing move where the file
 * system cannot), so a reader never sees a half-written file and a failed write leaves the old file (or
 * nothing) behind. Streaming writers use {@link #siblingTemp} + {@link #moveIntoPlace}; whole-file writers
 * use {@link #write} / {@link #writeText}.
 */
public final class AtomicFiles {

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
     * Creates a new empty hidden temporary file next to {@code target} (default permissions, unlike
     * {@link Files#createTempFile}), creating missing parent directories.
     */
    public static Path siblingTemp(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + attempt + ".tmp");
            try {
                return Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) {
                    throw e;
                }
            }
        }
    }

    /** Moves a finished temporary file over {@code target}, atomically where the file system allows. */
    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        try {
            Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Writes {@code target} atomically with the given writer; on failure no file is left behind. */
    public static void write(Path target, StreamWriter writer) throws IOException {
        Path tmp = siblingTemp(target);
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                writer.write(out);
            }
            moveIntoPlace(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
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
}
