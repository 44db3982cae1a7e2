package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API's byte -> float kernel ({@link VectorConvert}) gives the bits of the plain loops
 * ({@link ConvertKernel.Scalar}) on random bytes at odd offsets, for every length up to several vector steps (so
 * every tail length) and every channel count a TIFF page may have (1 to 16); the plain loops are checked against
 * the definition {@code (float) (b & 0xFF)} itself, and values outside the written range stay untouched.
 */
class ConvertKernelTest {

    static final ConvertKernel SCALAR = new ConvertKernel.Scalar();
    static final ConvertKernel VECTOR = Vectorization.vector(ConvertKernel.class,
            "io.github.hubmapseg.tiling.VectorConvert");

    /** Lengths 0 .. 3 vector steps + 1 (every tail), and a window row of 512 and of 517. */
    static int[] lengths() {
        int[] n = new int[3 * 16 + 4];
        for (int k = 0; k < n.length - 2; k++) {
            n[k] = k;
        }
        n[n.length - 2] = 512;
        n[n.length - 1] = 517;
        return n;
    }

    static void assertSameBits(float[] got, float[] want, String what) {
        for (int k = 0; k < got.length; k++) {
            if (Float.floatToRawIntBits(got[k]) != Float.floatToRawIntBits(want[k])) {
                throw new AssertionError(what + ": value " + k + " differs: " + got[k] + " vs " + want[k]);
            }
        }
    }

    @Test
    void theEngineConvertsWithTheVectorKernelHere() {
        // the tests run with --add-modules=jdk.incubator.vector (root pom): the engine converts with the vector kernel
        assertThat(VectorConvert.wide()).as("8 or more float lanes on this machine").isTrue();
        assertThat(Rasters.convert()).isInstanceOf(VectorConvert.class);
    }

    @Test
    void planarIsBitIdenticalForEveryOffsetAndLength() {
        Random rnd = new Random(19);
        byte[] src = new byte[700];
        rnd.nextBytes(src);
        for (int n : lengths()) {
            for (int s : new int[] {0, 1, 3, 7, 17, src.length - n}) {
                for (int d : new int[] {0, 5, 13}) {
                    float[] a = new float[d + n + 9];
                    float[] b = new float[a.length];
                    Arrays.fill(a, -1f);
                    Arrays.fill(b, -1f);
                    SCALAR.planar(src, s, a, d, n);
                    VECTOR.planar(src, s, b, d, n);
                    String what = "planar n " + n + " s " + s + " d " + d;
                    assertSameBits(b, a, what);
                    for (int k = 0; k < a.length; k++) {
                        float want = k >= d && k < d + n ? (float) (src[s + k - d] & 0xFF) : -1f;
                        assertThat(a[k]).as(what + " at " + k).isEqualTo(want);
                    }
                }
            }
        }
    }

    @Test
    void chunkyIsBitIdenticalForEveryChannelCountOffsetAndLength() {
        Random rnd = new Random(23);
        byte[] src = new byte[16 * 540];
        rnd.nextBytes(src);
        for (int ch = 1; ch <= 16; ch++) {
            for (int n : lengths()) {
                for (int s : new int[] {0, 1, 5, src.length - n * ch}) {
                    int d = 3;
                    int plane = n + 7;
                    float[] a = new float[d + plane * ch + 2];
                    float[] b = new float[a.length];
                    Arrays.fill(a, -1f);
                    Arrays.fill(b, -1f);
                    SCALAR.chunky(src, s, ch, a, d, plane, n);
                    VECTOR.chunky(src, s, ch, b, d, plane, n);
                    String what = "chunky C " + ch + " n " + n + " s " + s;
                    assertSameBits(b, a, what);
                    for (int c = 0; c < ch; c++) {
                        for (int i = -1; i <= n; i++) {
                            float want = i >= 0 && i < n ? (float) (src[s + i * ch + c] & 0xFF) : -1f;
                            int k = d + c * plane + i;
                            assertThat(a[k]).as(what + " channel " + c + " pixel " + i).isEqualTo(want);
                        }
                    }
                }
            }
        }
    }

    @Test
    void thePublicEntryPointsCheckTheirRanges() {
        byte[] src = new byte[30];
        float[] dst = new float[30];
        assertThatThrownBy(() -> Rasters.toFloats(src, 25, dst, 0, 6)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Rasters.toFloats(src, 0, dst, 26, 5)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Rasters.toFloats(src, 0, 3, dst, 0, 10, 11))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("plane 10, n 11");
        assertThatThrownBy(() -> Rasters.toFloats(src, 0, 0, dst, 0, 10, 1))
                .hasMessageContaining("channels 0");
        assertThatThrownBy(() -> Rasters.toFloats(src, 1, 3, dst, 0, 10, 10)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> Rasters.toFloats(src, 0, 3, dst, 1, 10, 10)).isInstanceOf(IndexOutOfBoundsException.class);
        Rasters.toFloats(src, 0, 3, dst, 0, 10, 10);
    }
}
