package io.github.hubmapseg.core.io;

import java.awt.image.RenderedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Image files (PNG, TIFF through ImageIO) written the way every output is ({@link AtomicFiles}: complete or
 * absent), with a failure as one line naming the file and the cause ("out.png: cannot write the PNG image: No
 * space left on device"). ImageIO's own {@code ImageIO.write(image, format, stream)} buffers through a cache file
 * in {@code java.io.tmpdir}, says only "I/O error writing PNG file!" on a full disk, and its stream closer then
 * prints a {@code NullPointerException} stack trace when the JVM exits; this writes through a memory cache.
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** Writes a PNG. */
    public static void writePng(Path target, RenderedImage image) throws IOException {
        write(target, image, "png");
    }

    /**
     * Writes an image in an ImageIO format.
     *
     * @param target the file (replaced atomically)
     * @param image  the image
     * @param format an ImageIO format name ({@code png}, {@code tiff}, {@code jpeg})
     * @throws IOException              naming the file and the cause when it cannot be written
     * @throws IllegalArgumentException when ImageIO has no writer for the format
     */
    public static void write(Path target, RenderedImage image, String format) throws IOException {
        Iterator<ImageWriter> it = ImageIO.getImageWritersByFormatName(format);
        if (!it.hasNext()) {
            throw new IllegalArgumentException("no image writer for format " + format);
        }
        ImageWriter w = it.next();
        try {
            AtomicFiles.write(target, out -> {
                try (ImageOutputStream ios = new MemoryCacheImageOutputStream(out)) {
                    w.setOutput(ios);
                    w.write(image);
                }
            });
        } catch (IOException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
            if (why.startsWith(target.toString())) {
                throw e; // AtomicFiles' own message names the file already
            }
            throw new IOException(target + ": cannot write the " + format.toUpperCase(java.util.Locale.ROOT)
                    + " image: " + why, e);
        } finally {
            w.dispose();
        }
    }
}
