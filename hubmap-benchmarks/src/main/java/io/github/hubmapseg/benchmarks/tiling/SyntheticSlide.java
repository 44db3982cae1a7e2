package io.github.hubmapseg.benchmarks.tiling;

import io.github.hubmapseg.core.slide.AbstractImageSource;
import io.github.hubmapseg.core.slide.SlideInfo;

/**
 * A procedural RGB slide of any size that costs no memory: each row is one of 256 precomputed patterns
 * (chosen by {@code y mod 256}, shifted by {@code y}), so reads are array copies at memory speed.
 */
final class SyntheticSlide extends AbstractImageSource {

    private final long width;
    private final long height;
    private final byte[][] patterns;

    SyntheticSlide(long width, long height) {
        this.width = width;
        this.height = height;
        int pw = (int) Math.min(width, 1 << 16) + 512;
        patterns = new byte[256][pw];
        for (int p = 0; p < 256; p++) {
            for (int x = 0; x < pw; x++) {
                patterns[p][x] = (byte) ((x * 7 + p * 13 + ((x >> 6) ^ p) * 31) & 0xFF);
            }
        }
    }

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
        return 3;
    }

    @Override
    public SlideInfo info() {
        return new SlideInfo(width, height, 3, 8, true, false, width, height, "none", false, "synthetic");
    }

    @Override
    protected void readValid(long x, long y, int w, int h, byte[] dst, int dstWidth, int dstHeight, int ox, int oy) {
        int pw = patterns[0].length - 512;
        for (int c = 0; c < 3; c++) {
            for (int j = 0; j < h; j++) {
                long yy = y + j;
                byte[] p = patterns[(int) ((yy + c * 85) & 255)];
                int start = (int) ((x + yy) % pw);
                int d = ox + dstWidth * (oy + j + dstHeight * c);
                int done = 0;
                while (done < w) {
                    int n = Math.min(w - done, pw - start);
                    System.arraycopy(p, start, dst, d + done, n);
                    done += n;
                    start = 0;
                }
            }
        }
    }

    @Override
    public void close() {
    }
}
