package io.github.hubmapseg.tiling.sample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** iafoss's tile filter: OpenCV's saturation to the unit, and the two counting rules. */
class SaturationFilterTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");

    @Test
    void saturationEqualsOpenCvForEveryPixelOfA64CubeGrid(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "skipped: /usr/bin/python3 not found (install python3-opencv)");
        Path script = dir.resolve("sat.py");
        Files.writeString(script, """
                import sys
                try:
                    import cv2, numpy as np
                except ImportError:
                    print('NO_CV2'); sys.exit(0)
                v = np.array(sorted(set(list(range(0, 256, 4)) + [1, 2, 3, 5, 254, 255])), dtype=np.uint8)
                r, g, b = np.meshgrid(v, v, v, indexing='ij')
                img = np.stack([r.ravel(), g.ravel(), b.ravel()], axis=1).reshape(1, -1, 3)
                s = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)[0, :, 1]
                print(' '.join(str(int(x)) for x in v)); print(' '.join(str(int(x)) for x in s))
                """);
        Process p = new ProcessBuilder(PYTHON.toString(), script.toString()).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assumeTrue(!text.startsWith("NO_CV2"), "skipped: cv2 not importable by /usr/bin/python3 (install python3-opencv)");
        assertThat(p.exitValue()).as(text).isZero();
        String[] lines = text.split("\n");
        String[] vs = lines[lines.length - 2].trim().split(" ");
        String[] ss = lines[lines.length - 1].trim().split(" ");
        int n = vs.length;
        assertThat(ss).hasSize(n * n * n);
        int k = 0;
        for (String r : vs) {
            for (String g : vs) {
                for (String b : vs) {
                    int expected = Integer.parseInt(ss[k++]);
                    assertThat(SaturationFilter.saturation(Integer.parseInt(r), Integer.parseInt(g), Integer.parseInt(b)))
                            .as("rgb %s %s %s", r, g, b).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void aTileNeedsMoreThanTheCountOfSaturatedPixelsAndOfPixelSum() {
        int side = 512; // 1000 (512/256)^2 = 4000 pixels
        assertThat(SaturationFilter.minPixels(side)).isEqualTo(4000.0);
        assertThat(SaturationFilter.minPixels(1024)).isEqualTo(16000.0);
        int n = side * side;
        byte[] px = new byte[3 * n];
        java.util.Arrays.fill(px, (byte) 255); // white: saturation 0
        for (int i = 0; i < 4000; i++) { // exactly 4000 pink pixels: not more than 4000
            px[i] = (byte) 230;
            px[n + i] = (byte) 120;
            px[2 * n + i] = (byte) 180;
        }
        assertThat(SaturationFilter.saturation(230, 120, 180)).isGreaterThan(40);
        assertThat(SaturationFilter.keep(px, n, side, 40)).isFalse();
        px[4000] = (byte) 230;
        px[n + 4000] = (byte) 120;
        px[2 * n + 4000] = (byte) 180;
        assertThat(SaturationFilter.keep(px, n, side, 40)).isTrue();
        assertThat(SaturationFilter.keep(px, n, side, 200)).isFalse(); // pink is not saturated above 200
        // saturated but dark: 4001 pixels (1, 0, 0) have S = 255 but a pixel sum of 4001 and the rest is black
        byte[] dark = new byte[3 * n];
        for (int i = 0; i < 4001; i++) {
            dark[i] = 1;
        }
        assertThat(SaturationFilter.keep(dark, n, side, 40)).isTrue(); // sum 4001 > 4000
        dark[0] = 0;
        assertThat(SaturationFilter.keep(dark, n, side, 40)).isFalse();
        assertThatThrownBy(() -> new SaturationFilter(0, null, 1)).hasMessageContaining("1..255, got 0");
    }
}
