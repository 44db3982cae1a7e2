package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import net.imglib2.FinalInterval;
import net.imglib2.img.array.ArrayImg;
import net.imglib2.img.basictypeaccess.array.ByteArray;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import org.junit.jupiter.api.Test;

class InMemoryImageSourceTest {

    private static final int W = 37;
    private static final int H = 23;
    private static final int C = 3;

    private static byte[] pixels(long seed) {
        byte[] p = new byte[W * H * C];
        new Random(seed).nextBytes(p);
        return p;
    }

    private static int at(byte[] p, int x, int y, int c) {
        return p[x + W * (y + H * c)] & 0xFF;
    }

    @Test
    void regionPartlyOutsideIsPaddedWithFill() throws Exception {
        byte[] p = pixels(1);
        try (InMemoryImageSource src = new InMemoryImageSource(p, W, H, C, 7)) {
            ArrayImg<UnsignedByteType, ByteArray> img = src.read(FinalInterval.createMinSize(-3, 20, 10, 6));
            byte[] d = img.update(null).getCurrentStorageArray();
            assertThat(img.dimensionsAsLongArray()).containsExactly(10, 6, 3);
            for (int c = 0; c < C; c++) {
                for (int j = 0; j < 6; j++) {
                    for (int i = 0; i < 10; i++) {
                        int x = i - 3;
                        int y = 20 + j;
                        int expected = (x >= 0 && y < H) ? at(p, x, y, c) : 7;
                        assertThat(d[i + 10 * (j + 6 * c)] & 0xFF).as("(%d,%d,%d)", i, j, c).isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void reducedReadAveragesBlocksRoundingHalfUp() throws Exception {
        byte[] p = pixels(2);
        try (InMemoryImageSource src = new InMemoryImageSource(p, W, H, C)) {
            for (int r = 2; r <= 4; r++) {
                ArrayImg<UnsignedByteType, ByteArray> img = src.read(FinalInterval.createMinSize(1, 2, 30, 19), r);
                int ow = (30 + r - 1) / r;
                int oh = (19 + r - 1) / r;
                assertThat(img.dimensionsAsLongArray()).containsExactly(ow, oh, 3);
                byte[] d = img.update(null).getCurrentStorageArray();
                for (int c = 0; c < C; c++) {
                    for (int j = 0; j < oh; j++) {
                        for (int i = 0; i < ow; i++) {
                            int sum = 0;
                            int n = 0;
                            for (int y = 2 + j * r; y < Math.min(2 + (j + 1) * r, 2 + 19); y++) {
                                for (int x = 1 + i * r; x < Math.min(1 + (i + 1) * r, 1 + 30); x++) {
                                    sum += at(p, x, y, c);
                                    n++;
                                }
                            }
                            int expected = (int) Math.floor(sum / (double) n + 0.5);
                            assertThat(d[i + ow * (j + oh * c)] & 0xFF).isEqualTo(expected);
                        }
                    }
                }
            }
        }
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> new InMemoryImageSource(new byte[5], 2, 2, 1))
                .hasMessageContaining("width*height*channels = 4").hasMessageContaining("5");
        try (InMemoryImageSource src = new InMemoryImageSource(pixels(3), W, H, C)) {
            assertThatThrownBy(() -> src.read(FinalInterval.createMinSize(0, 0, 4, 4), 0))
                    .hasMessageContaining("reduce must be >= 1, got 0");
            assertThatThrownBy(() -> src.read(new FinalInterval(new long[] {0, 0, 0}, new long[] {1, 1, 1})))
                    .hasMessageContaining("2-D");
        }
    }
}
