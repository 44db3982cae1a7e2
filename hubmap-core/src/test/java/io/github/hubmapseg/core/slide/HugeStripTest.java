package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import net.imglib2.FinalInterval;
import net.imglib2.Interval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A slide stored as one uncompressed strip of 960 MB (tifffile's default for a whole-slide image), made
 * sparse at test time: a region is read by seeking to its rows, without allocating the strip.
 */
class HugeStripTest {

    private static final int W = 20000;
    private static final int H = 16000;

    @TempDir
    Path dir;

    @Test
    void regionOfAHugeSingleStripIsReadBySeekingWithoutAllocatingTheStrip() throws IOException {
        Path f = dir.resolve("huge.tif");
        MiniTiff.writeOneStrip(f, W, H, 3, 8, 1, (long) W * H * 3);
        // known pixels in rows 12000..12063, columns 15000..15099; everything else is zero (sparse)
        int x0 = 15000;
        int y0 = 12000;
        int rw = 100;
        int rh = 64;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            byte[] row = new byte[rw * 3];
            for (int y = y0; y < y0 + rh; y++) {
                for (int i = 0; i < rw; i++) {
                    for (int c = 0; c < 3; c++) {
                        row[3 * i + c] = (byte) TiffFixtures.value(x0 + i, y, c);
                    }
                }
                raf.seek(MiniTiff.DATA_OFFSET + ((long) y * W + x0) * 3);
                raf.write(row);
            }
        }
        try (ImageSource src = ImageSources.open(f)) {
            assertThat(src.info().reader()).isEqualTo("uncompressed");
            assertThat(src.info().blockHeight()).isEqualTo(H);
            Interval region = FinalInterval.createMinSize(x0 - 3, y0 - 2, rw + 6, rh + 4);
            src.read(region); // warm up class loading
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            byte[] d = ImageSourceContract.data(src.read(region));
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            int w = rw + 6;
            int h = rh + 4;
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < h; j++) {
                    for (int i = 0; i < w; i++) {
                        int x = x0 - 3 + i;
                        int y = y0 - 2 + j;
                        boolean written = x >= x0 && x < x0 + rw && y >= y0 && y < y0 + rh;
                        int e = written ? TiffFixtures.value(x, y, c) : 0;
                        assertThat(d[i + w * (j + h * c)] & 0xFF).as("(%d, %d, %d)", x, y, c).isEqualTo(e);
                    }
                }
            }
            // the strip is 960 MB; the read holds the 32 KB result and a row buffer, not the strip
            assertThat(allocated).as("bytes allocated by one region read").isLessThan(4L << 20);

            // full-width rows: read in runs of whole rows through the bounded (1 MB) row buffer
            byte[] band = ImageSourceContract.data(src.read(FinalInterval.createMinSize(0, y0 - 5, W, 40)));
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < 40; j++) {
                    int y = y0 - 5 + j;
                    for (int x = x0 - 50; x < x0 + rw + 50; x++) {
                        boolean written = x >= x0 && x < x0 + rw && y >= y0;
                        int e = written ? TiffFixtures.value(x, y, c) : 0;
                        assertThat(band[x + W * (j + 40 * c)] & 0xFF).as("(%d, %d, %d)", x, y, c).isEqualTo(e);
                    }
                }
            }

            // padding at the far corner of the huge image, and a reduced read of the written block
            byte[] corner = ImageSourceContract.data(src.read(FinalInterval.createMinSize(W - 2, H - 2, 4, 4)));
            for (int c = 0; c < 3; c++) {
                for (int j = 0; j < 4; j++) {
                    for (int i = 0; i < 4; i++) {
                        int e = i < 2 && j < 2 ? 0 : 255;
                        assertThat(corner[i + 4 * (j + 4 * c)] & 0xFF).isEqualTo(e);
                    }
                }
            }
            byte[] r4 = ImageSourceContract.data(src.read(FinalInterval.createMinSize(x0, y0, rw, rh), 4));
            int sum = 0;
            for (int y = y0; y < y0 + 4; y++) {
                for (int x = x0; x < x0 + 4; x++) {
                    sum += TiffFixtures.value(x, y, 0);
                }
            }
            assertThat(r4[0] & 0xFF).isEqualTo((sum * 2 + 16) / 32);
        }
    }
}
