package io.github.hubmapseg.pipeline.data;

import io.github.hubmapseg.core.slide.ImageSource;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import net.imglib2.FinalInterval;

/**
 * Per-channel normalisation of 8-bit pixel values before they enter a model: {@code (v - mean[c]) / std[c]},
 * with {@code v} in 0..255. Training and inference must use the same one, so it is saved with every checkpoint.
 *
 * @param mean per-channel mean, in pixel units (0..255)
 * @param std  per-channel standard deviation, in pixel units, each {@code > 0}
 */
public record Normalization(double[] mean, double[] std) {

    /** Validates. */
    public Normalization {
        if (mean == null || std == null || mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std must be non-empty and of equal length, got "
                    + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("std must be > 0, got " + Arrays.toString(std));
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /** ImageNet statistics scaled to 0..255 (what pretrained encoders expect). */
    public static Normalization imagenet() {
        return new Normalization(new double[] {0.485 * 255, 0.456 * 255, 0.406 * 255},
                new double[] {0.229 * 255, 0.224 * 255, 0.225 * 255});
    }

    /** {@code v / 255} for {@code channels} channels. */
    public static Normalization scale255(int channels) {
        double[] m = new double[channels];
        double[] s = new double[channels];
        Arrays.fill(s, 255);
        return new Normalization(m, s);
    }

    /**
     * The per-channel mean and standard deviation of slides, measured on thumbnails (each slide read at a
     * reduce factor making its longer side at most {@code thumbnail} pixels; memory is one thumbnail).
     *
     * @param slides    the slides (e.g. the training slides)
     * @param thumbnail longest thumbnail side in pixels, {@code >= 1}
     * @return the statistics
     * @throws IOException if a slide cannot be read
     */
    public static Normalization measure(List<? extends ImageSource> slides, int thumbnail) throws IOException {
        if (slides.isEmpty()) {
            throw new IllegalArgumentException("slides must not be empty");
        }
        if (thumbnail < 1) {
            throw new IllegalArgumentException("thumbnail must be >= 1, got " + thumbnail);
        }
        int c = slides.get(0).channels();
        double[] sum = new double[c];
        double[] sq = new double[c];
        long n = 0;
        for (ImageSource s : slides) {
            if (s.channels() != c) {
                throw new IllegalArgumentException("all slides must have " + c + " channels, got " + s.channels());
            }
            int reduce = (int) Math.max(1, (Math.max(s.width(), s.height()) + thumbnail - 1) / thumbnail);
            byte[] px = s.read(new FinalInterval(s.width(), s.height()), reduce).update(null).getCurrentStorageArray();
            int plane = px.length / c;
            for (int ch = 0; ch < c; ch++) {
                double a = 0;
                double b = 0;
                for (int i = ch * plane, e = i + plane; i < e; i++) {
                    int v = px[i] & 0xFF;
                    a += v;
                    b += (double) v * v;
                }
                sum[ch] += a;
                sq[ch] += b;
            }
            n += plane;
        }
        double[] mean = new double[c];
        double[] std = new double[c];
        for (int ch = 0; ch < c; ch++) {
            mean[ch] = sum[ch] / n;
            std[ch] = Math.max(1e-3, Math.sqrt(Math.max(0, sq[ch] / n - mean[ch] * mean[ch])));
        }
        return new Normalization(mean, std);
    }

    /** @return number of channels */
    public int channels() {
        return mean.length;
    }

    /** @return a copy of the means */
    @Override
    public double[] mean() {
        return mean.clone();
    }

    /** @return a copy of the standard deviations */
    @Override
    public double[] std() {
        return std.clone();
    }

    /**
     * Normalises channel-planar values in place.
     *
     * @param chw    values {@code [c * plane + i]} (several samples may follow each other)
     * @param offset first value
     * @param plane  values per channel plane
     */
    public void applyPlanar(float[] chw, int offset, int plane) {
        for (int c = 0; c < mean.length; c++) {
            float m = (float) mean[c];
            float inv = (float) (1.0 / std[c]);
            for (int i = offset + c * plane, e = i + plane; i < e; i++) {
                chw[i] = (chw[i] - m) * inv;
            }
        }
    }

    /**
     * Normalises one channel-planar sample into an NHWC destination.
     *
     * @param chw    source {@code [c * plane + i]} in pixel units
     * @param srcOff first source value
     * @param plane  pixels per plane
     * @param dst    destination {@code [i * channels + c]}
     * @param dstOff first destination value
     */
    public void planarToInterleaved(float[] chw, int srcOff, int plane, float[] dst, int dstOff) {
        io.github.hubmapseg.models.ModelPredictor.planarToInterleaved(chw, srcOff, plane, mean, std, dst, dstOff);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n && Arrays.equals(mean, n.mean) && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
        return "Normalization[mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + "]";
    }
}
