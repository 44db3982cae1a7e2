package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.ImageFiles;
import io.github.hubmapseg.core.rle.RleEncoder;
import io.github.hubmapseg.core.rle.RleRuns;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Binary masks as PNG/TIFF files (javax.imageio): a pixel is foreground when any of its colour samples is
 * non-zero (alpha is ignored); written masks are 8-bit grey 0/255.
 */
final class MaskImages {

    private MaskImages() {
    }

    /** Reads an image file; fails with a clear message if it is missing or not a PNG/TIFF image. */
    static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "mask file not found");
        }
        BufferedImage img = ImageIO.read(file.toFile());
        if (img == null) {
            throw new IllegalArgumentException("cannot read " + file + " as an image (PNG or TIFF expected)");
        }
        return img;
    }

    /** Row-major 0/1 mask of the image (height rows of width pixels). */
    static byte[] mask(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] m = new byte[Math.multiplyExact(w, h)];
        forEachRow(img, (y, row) -> System.arraycopy(row, 0, m, y * w, w));
        return m;
    }

    /** Canonical runs of the image, streamed row by row (the mask is never copied whole). */
    static RleRuns runs(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        RleEncoder enc = new RleEncoder(h, w);
        forEachRow(img, (y, row) -> enc.addRows(row, 0, 1));
        return enc.finish();
    }

    /** Receives one 0/1 row of a mask image. */
    interface RowSink {
        /** Row {@code y}; the array is reused. */
        void accept(int y, byte[] row) throws IOException;
    }

    /** Streams the image's 0/1 rows, top to bottom. */
    static void forEachRow(BufferedImage img, RowSink sink) {
        Raster r = img.getRaster();
        int w = img.getWidth();
        int h = img.getHeight();
        int colourBands = img.getColorModel().getNumColorComponents();
        int bands = Math.min(colourBands, r.getNumBands());
        int[] samples = new int[w];
        byte[] row = new byte[w];
        for (int y = 0; y < h; y++) {
            java.util.Arrays.fill(row, (byte) 0);
            for (int b = 0; b < bands; b++) {
                r.getSamples(0, y, w, 1, b, samples);
                for (int x = 0; x < w; x++) {
                    if (samples[x] != 0) {
                        row[x] = 1;
                    }
                }
            }
            try {
                sink.accept(y, row);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** Writes runs as a 0/255 grey PNG or TIFF (by extension), through a temporary file moved into place. */
    static void write(RleRuns runs, Path out) throws IOException {
        String format = format(out);
        BufferedImage img = new BufferedImage(runs.width(), runs.height(), BufferedImage.TYPE_BYTE_GRAY);
        byte[] data = ((java.awt.image.DataBufferByte) img.getRaster().getDataBuffer()).getData();
        io.github.hubmapseg.core.rle.Rle.decodeInto(runs, data, (byte) 255);
        Path abs = out.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "output directory does not exist");
        }
        ImageFiles.write(abs, img, format);
    }

    private static String format(Path out) {
        String name = out.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return "png";
        }
        if (name.endsWith(".tif") || name.endsWith(".tiff")) {
            return "tiff";
        }
        throw new IllegalArgumentException("output mask must end in .png, .tif or .tiff, got " + out);
    }
}
