package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.ImageSource;
import java.io.IOException;
import java.util.Objects;
import net.imglib2.FinalInterval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;

/** Factories of {@link Raster}s and the reflect-101 window reader used by the engine. */
public final class Rasters {

    private static final String VECTOR_CONVERT = "io.github.hubmapseg.tiling.VectorConvert";
    private static volatile ConvertKernel convert;

    private Rasters() {
    }

    /**
     * The byte -> float kernel of this JVM, chosen once: the Vector API's when {@link Vectorization#enabled()},
     * else the plain loops (same bits).
     *
     * @throws IllegalArgumentException if {@code -Dhubmap.simd} has a value other than auto or off
     */
    static ConvertKernel convert() {
        ConvertKernel k = convert;
        if (k == null) {
            k = Vectorization.kernel(ConvertKernel.class, VECTOR_CONVERT, ConvertKernel.Scalar::new);
            convert = k;
        }
        return k;
    }

    /**
     * Unsigned 8-bit samples to floats 0..255: {@code dst[d + i] = src[s + i] & 0xFF} for {@code i < n}, by the
     * engine's kernel (the Vector API when enabled: {@link Vectorization}).
     */
    public static void toFloats(byte[] src, int s, float[] dst, int d, int n) {
        Objects.checkFromIndexSize(s, n, Objects.requireNonNull(src, "src").length);
        Objects.checkFromIndexSize(d, n, Objects.requireNonNull(dst, "dst").length);
        convert().planar(src, s, dst, d, n);
    }

    /**
     * {@code n} interleaved pixels of {@code channels} unsigned bytes to channel planes {@code plane} floats
     * apart, deinterleaved while converting: {@code dst[d + c * plane + i] = src[s + i * channels + c] & 0xFF}
     * for {@code i < n, c < channels}, by the engine's kernel.
     */
    public static void toFloats(byte[] src, int s, int channels, float[] dst, int d, int plane, int n) {
        if (channels < 1 || plane < n) {
            throw new IllegalArgumentException("channels must be >= 1 and plane >= n, got channels " + channels
                    + ", plane " + plane + ", n " + n);
        }
        Objects.checkFromIndexSize(s, Math.multiplyExact(n, channels), Objects.requireNonNull(src, "src").length);
        Objects.checkFromIndexSize(d, Math.addExact(Math.multiplyExact(plane, channels - 1), n),
                Objects.requireNonNull(dst, "dst").length);
        convert().chunky(src, s, channels, dst, d, plane, n);
    }

    /** An 8-bit {@link ImageSource} as a raster of values 0..255 (not closed by the raster). */
    public static Raster of(ImageSource source) {
        Objects.requireNonNull(source, "source");
        return new OfSource(source);
    }

    /** The 8-bit source behind a raster made by {@link #of(ImageSource)}, or {@code null}. */
    static ImageSource source(Raster r) {
        return r instanceof OfSource s ? s.source : null;
    }

    /** An 8-bit source as a raster; the engine's read-ahead band reads its bytes directly ({@link #source}). */
    private static final class OfSource implements Raster {
        private final ImageSource source;

        OfSource(ImageSource source) {
            this.source = source;
        }

        @Override
        public long width() {
            return source.width();
        }

        @Override
        public long height() {
            return source.height();
        }

        @Override
        public int channels() {
            return source.channels();
        }

        private byte[] bytes(long x, long y, int w, int h) throws IOException {
            if (source instanceof AbstractImageSource a) {
                byte[] b = new byte[Math.multiplyExact(Math.multiplyExact(w, h), source.channels())];
                a.readInto(x, y, w, h, b);
                return b;
            }
            ArrayImg<UnsignedByteType, ByteArray> img = source.read(FinalInterval.createMinSize(x, y, w, h));
            return img.update(null).getCurrentStorageArray();
        }

        /**
         * An in-image region of an uncompressed chunky TIFF is read as stored and deinterleaved while converting
         * (the kernel's chunky path); other regions and sources are read as planar bytes and converted.
         */
        @Override
        public void read(long x, long y, int w, int h, float[] dst) throws IOException {
            int c = source.channels();
            if (source instanceof AbstractImageSource a && a.readsInterleaved() && w > 0 && h > 0 && x >= 0
                    && y >= 0 && x + w <= a.width() && y + h <= a.height()) {
                int n = Math.multiplyExact(w, h);
                byte[] b = new byte[Math.multiplyExact(n, c)];
                a.readInterleavedInto(x, y, w, h, b, w * c, 0, 0);
                convert().chunky(b, 0, c, dst, 0, n, n);
                return;
            }
            byte[] b = bytes(x, y, w, h);
            convert().planar(b, 0, dst, 0, b.length);
        }

        @Override
        public void read(long x, long y, int w, int h, double[] dst) throws IOException {
            byte[] b = bytes(x, y, w, h);
            for (int k = 0; k < b.length; k++) {
                dst[k] = b[k] & 0xFF;
            }
        }
    }

    /**
     * An in-memory double image, channel-planar row-major {@code data[x + width * (y + height * c)]}
     * (not copied).
     */
    public static Raster of(double[] data, int width, int height, int channels) {
        Objects.requireNonNull(data, "data");
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException("raster shape must be positive, got " + width + " x " + height
                    + " x " + channels);
        }
        if (data.length != (long) width * height * channels) {
            throw new IllegalArgumentException("data must hold width*height*channels = "
                    + (long) width * height * channels + " values, got " + data.length);
        }
        return new Raster() {
            @Override
            public long width() {
                return width;
            }

            @Override
            public long height() {
                return height;
            }

            @Override
            public int channels() {
                return channels;
            }

            @Override
            public void read(long x, long y, int w, int h, float[] dst) {
                for (int c = 0; c < channels; c++) {
                    for (int j = 0; j < h; j++) {
                        int s = (int) (x + (long) width * (y + j + (long) height * c));
                        int d = w * (j + h * c);
                        for (int i = 0; i < w; i++) {
                            dst[d + i] = (float) data[s + i];
                        }
                    }
                }
            }

            @Override
            public void read(long x, long y, int w, int h, double[] dst) {
                for (int c = 0; c < channels; c++) {
                    for (int j = 0; j < h; j++) {
                        int s = (int) (x + (long) width * (y + j + (long) height * c));
                        System.arraycopy(data, s, dst, w * (j + h * c), w);
                    }
                }
            }
        };
    }

    /** An in-memory float image, channel-planar row-major (copied to double lazily per read). */
    public static Raster of(float[] data, int width, int height, int channels) {
        double[] d = new double[data.length];
        for (int k = 0; k < d.length; k++) {
            d[k] = data[k];
        }
        return of(d, width, height, channels);
    }

    /**
     * The part of the image a window at {@code (x, y)} of {@code w x h} reads with reflect-101 borders: the
     * in-image span {@code [x0, x0 + sw) x [y0, y0 + sh)} and, per window column and row, the offset of its
     * source pixel inside that span ({@code xo[i]}, row offset {@code sw * yo[j]}).
     */
    private record Span(long x0, long y0, int sw, int sh, int[] xo, int[] yo) {

        static Span of(Raster r, long x, long y, int w, int h) {
            long[] xi = reflected(x, w, r.width());
            long[] yi = reflected(y, h, r.height());
            long x0 = min(xi);
            long y0 = min(yi);
            return new Span(x0, y0, (int) (max(xi) - x0 + 1), (int) (max(yi) - y0 + 1), offsets(xi, x0),
                    offsets(yi, y0));
        }

        /** Values of the span over all channels. */
        int size(int channels) {
            return sw * sh * channels;
        }

        /** Index in the span of window row {@code j}, column 0's source, channel {@code c}. */
        int row(int j, int c) {
            return sw * (yo[j] + sh * c);
        }

        private static long[] reflected(long start, int size, long length) {
            long[] idx = new long[size];
            for (int k = 0; k < size; k++) {
                idx[k] = TileGrid.reflect101(start + k, length);
            }
            return idx;
        }

        private static int[] offsets(long[] idx, long from) {
            int[] o = new int[idx.length];
            for (int k = 0; k < idx.length; k++) {
                o[k] = (int) (idx[k] - from);
            }
            return o;
        }

        private static long min(long[] a) {
            long m = Long.MAX_VALUE;
            for (long v : a) {
                m = Math.min(m, v);
            }
            return m;
        }

        private static long max(long[] a) {
            long m = Long.MIN_VALUE;
            for (long v : a) {
                m = Math.max(m, v);
            }
            return m;
        }
    }

    /** Copies one window row from a span: {@code dst[d + i] = span[srow + xo[i]]} for every column i. */
    private interface RowCopy {
        void copy(int d, int srow);
    }

    /** Calls {@code rc} for every row and channel of a {@code w x h} window written at {@code off}. */
    private static void gather(Span s, int ch, int w, int h, int off, RowCopy rc) {
        for (int c = 0; c < ch; c++) {
            for (int j = 0; j < h; j++) {
                rc.copy(off + w * (j + h * c), s.row(j, c));
            }
        }
    }

    /**
     * Reads the {@code w x h} window at {@code (x, y)} (may leave the image) with reflect-101 borders into
     * {@code dst[off + i + w * (j + h * c)]}.
     */
    public static void readWindow(Raster r, long x, long y, int w, int h, float[] dst, int off) throws IOException {
        int ch = r.channels();
        if (x >= 0 && y >= 0 && x + w <= r.width() && y + h <= r.height()) {
            if (off == 0 && dst.length == w * h * ch) {
                r.read(x, y, w, h, dst);
            } else {
                float[] tmp = new float[w * h * ch];
                r.read(x, y, w, h, tmp);
                System.arraycopy(tmp, 0, dst, off, tmp.length);
            }
            return;
        }
        Span s = Span.of(r, x, y, w, h);
        float[] span = new float[s.size(ch)];
        r.read(s.x0(), s.y0(), s.sw(), s.sh(), span);
        int[] xo = s.xo();
        gather(s, ch, w, h, off, (d, srow) -> {
            for (int i = 0; i < w; i++) {
                dst[d + i] = span[srow + xo[i]];
            }
        });
    }

    /** Double variant of {@link #readWindow(Raster, long, long, int, int, float[], int)}. */
    public static void readWindow(Raster r, long x, long y, int w, int h, double[] dst, int off) throws IOException {
        Span s = Span.of(r, x, y, w, h);
        double[] span = new double[s.size(r.channels())];
        r.read(s.x0(), s.y0(), s.sw(), s.sh(), span);
        int[] xo = s.xo();
        gather(s, r.channels(), w, h, off, (d, srow) -> {
            for (int i = 0; i < w; i++) {
                dst[d + i] = span[srow + xo[i]];
            }
        });
    }
}
