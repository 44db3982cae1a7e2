package io.github.hubmapseg.tiling.post;

import io.github.hubmapseg.tiling.sink.RowSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.DoubleFunction;

/**
 * The 10th place's Otsu thresholding for slides with little predicted glomerulus ("used on images predicted with
 * fewer than 10,000 pixels (reduction = 2)"; they used it in validation, not in their submission): the probability
 * rows are stored in a temporary float file while their mask {@code p >= threshold} is counted; at the end, when
 * fewer than {@code minPixels} pixels are foreground, the threshold becomes {@link Otsu}'s of the stored
 * probabilities (a second pass over the file, never a second inference). Then the rows are replayed, from the file,
 * into the rest of the chain built for the chosen threshold. Memory O(band); disk 4 bytes a pixel while the slide
 * runs (deleted at the end).
 */
public final class OtsuFallback implements RowSink {
    private static final int REPLAY_ROWS = 64;
    private final double threshold;
    private final long minPixels;
    private final DoubleFunction<RowSink> rest;
    private int width;
    private long height;
    private Path file;
    private FileChannel ch;
    private long foreground;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private double chosen = Double.NaN;
    private boolean fellBack;
    private ByteBuffer bytes = ByteBuffer.allocate(0);

    /**
     * @param threshold the usual mask threshold
     * @param minPixels below this many foreground pixels, Otsu's threshold is used ({@code >= 1})
     * @param rest      builds the rest of the chain for the chosen threshold
     */
    public OtsuFallback(double threshold, long minPixels, DoubleFunction<RowSink> rest) {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        if (minPixels < 1) {
            throw new IllegalArgumentException("Otsu fallback pixel count must be >= 1, got " + minPixels);
        }
        this.threshold = threshold;
        this.minPixels = minPixels;
        this.rest = Objects.requireNonNull(rest, "rest");
    }

    /** Foreground pixels at the usual threshold (after the last row). */
    public long foreground() {
        return foreground;
    }

    /** Whether Otsu's threshold replaced the usual one (after {@link #end}). */
    public boolean fellBack() {
        return fellBack;
    }

    /** The threshold used (after {@link #end}). */
    public double chosenThreshold() {
        return chosen;
    }

    @Override
    public void begin(long w, long h) throws IOException {
        width = Math.toIntExact(w);
        height = h;
        file = Files.createTempFile("hubmap-otsu-", ".f32");
        file.toFile().deleteOnExit();
        ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ);
    }

    @Override
    public void accept(long y0, int rows, float[] band) throws IOException {
        int n = rows * width;
        if (bytes.capacity() < 4 * n) {
            bytes = ByteBuffer.allocate(4 * n).order(ByteOrder.nativeOrder());
        }
        bytes.clear();
        FloatBuffer fb = bytes.asFloatBuffer();
        float t = (float) threshold;
        boolean exact = t == threshold;
        for (int k = 0; k < n; k++) {
            float v = band[k];
            if (exact ? v >= t : v >= threshold) { // RowSinks.mask's rule, counted
                foreground++;
            }
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        fb.put(band, 0, n);
        bytes.limit(4 * n);
        ch.write(bytes, 4L * width * y0);
    }

    @Override
    public void end() throws IOException {
        try {
            chosen = threshold;
            if (foreground < minPixels && height > 0 && width > 0) {
                chosen = min == max ? min : otsu();
                fellBack = true;
            }
            RowSink next = rest.apply(chosen);
            next.begin(width, height);
            float[] band = new float[REPLAY_ROWS * width];
            for (long y = 0; y < height; y += REPLAY_ROWS) {
                int rows = (int) Math.min(REPLAY_ROWS, height - y);
                read(y, rows, band);
                next.accept(y, rows, band);
            }
            next.end();
        } finally {
            ch.close();
            Files.deleteIfExists(file);
        }
    }

    private double otsu() throws IOException {
        double[] e = Otsu.edges(min, max, Otsu.BINS);
        long[] counts = new long[Otsu.BINS];
        float[] band = new float[REPLAY_ROWS * width];
        for (long y = 0; y < height; y += REPLAY_ROWS) {
            int rows = (int) Math.min(REPLAY_ROWS, height - y);
            read(y, rows, band);
            for (int k = 0; k < rows * width; k++) {
                counts[Otsu.bin(band[k], min, max, e)]++;
            }
        }
        return Otsu.threshold(counts, min, max);
    }

    private void read(long y, int rows, float[] band) throws IOException {
        int n = rows * width;
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.nativeOrder());
        long pos = 4L * width * y;
        while (b.hasRemaining()) {
            if (ch.read(b, pos + b.position()) < 0) {
                throw new IOException("Otsu fallback: stored probabilities end early at row " + y + " of " + file);
            }
        }
        b.flip();
        b.asFloatBuffer().get(band, 0, n);
    }
}
