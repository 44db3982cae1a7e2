package io.github.hubmapseg.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every level of a PNG Deep Zoom pyramid, read back with ImageIO and stitched from its tiles, equals the 2x2
 * per-channel rounded means computed here from the definition (our own transcription of the format's rule).
 */
class DeepZoomWriterTest {

    @Test
    void everyLevelEqualsTheRoundedBlockMeansOfTheLevelAbove(@TempDir Path dir) throws Exception {
        int w = 150;
        int h = 101;
        int tile = 64;
        int[] img = new int[w * h];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < img.length; i++) {
            img[i] = 0xFF000000 | r.nextInt(1 << 24); // opaque: every tile is written
        }
        Path files = dir.resolve("x_files");
        DeepZoomWriter dz = DeepZoomWriter.open(files, w, h, tile, DeepZoomWriter.Format.PNG);
        for (int y = 0; y < h; y++) {
            dz.addRow(img, y * w);
        }
        dz.finish();
        assertThat(dz.maxLevel()).isEqualTo(8); // 150 -> 2^8 = 256
        int[] cur = img;
        int cw = w;
        int ch = h;
        for (int level = dz.maxLevel(); level >= 0; level--) {
            int[] read = new int[cw * ch];
            for (int ty = 0; ty * tile < ch; ty++) {
                for (int tx = 0; tx * tile < cw; tx++) {
                    BufferedImage t = ImageIO.read(files.resolve(level + "/" + tx + "_" + ty + ".png").toFile());
                    for (int y = 0; y < t.getHeight(); y++) {
                        for (int x = 0; x < t.getWidth(); x++) {
                            read[(ty * tile + y) * cw + tx * tile + x] = t.getRGB(x, y);
                        }
                    }
                }
            }
            assertThat(read).as("level %d", level).containsExactly(cur);
            int nw = (cw + 1) / 2;
            int nh = (ch + 1) / 2;
            int[] next = new int[nw * nh];
            for (int y = 0; y < nh; y++) {
                for (int x = 0; x < nw; x++) {
                    int v = 0;
                    for (int shift = 0; shift < 32; shift += 8) {
                        int s = 0;
                        int n = 0;
                        for (int j = 0; j < 2; j++) {
                            for (int i = 0; i < 2; i++) {
                                if (2 * x + i < cw && 2 * y + j < ch) {
                                    s += (cur[(2 * y + j) * cw + 2 * x + i] >>> shift) & 0xFF;
                                    n++;
                                }
                            }
                        }
                        v |= ((s + n / 2) / n) << shift;
                    }
                    next[y * nw + x] = v;
                }
            }
            cur = next;
            cw = nw;
            ch = nh;
        }
    }
}
