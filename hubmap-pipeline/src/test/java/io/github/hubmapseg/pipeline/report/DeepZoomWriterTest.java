package io.github.hubmapseg.pipeline.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.slide.RowPyramid;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every level of a PNG Deep Zoom pyramid, read back with ImageIO and stitched from its tiles, equals the level core's
 * {@link RowPyramid#ARGB_MEAN} makes of the image (whose means {@code RowPyramidTest} checks against their
 * definition, and {@code DeepZoomVipsTest} against libvips' dzsave): the tiling, naming and encoding are right.
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
        List<int[]> levels = new ArrayList<>();
        RowPyramid<int[]> p = new RowPyramid<>(w, h, dz.maxLevel() + 1, RowPyramid.ARGB_MEAN, (k, y, row, off, lw) -> {
            if (y == 0) {
                levels.add(new int[(int) (lw * ((h - 1 >> k) + 1))]);
            }
            System.arraycopy(row, off, levels.get(k), (int) y * lw, lw);
        });
        for (int y = 0; y < h; y++) {
            p.push(img, y * w);
        }
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
            assertThat(read).as("level %d", level).containsExactly(levels.get(dz.maxLevel() - level));
            cw = (cw + 1) / 2;
            ch = (ch + 1) / 2;
        }
    }

    @Test
    void aTileThatCannotBeWrittenIsOneLineNamingItsFile(@TempDir Path dir) throws Exception {
        int w = 40;
        int h = 30;
        DeepZoomWriter dz = DeepZoomWriter.open(dir.resolve("y_files"), w, h, 16, DeepZoomWriter.Format.JPEG);
        // a folder where the first full-resolution tile goes (the writer fills ".y_files.tmp" until finish())
        java.nio.file.Files.createDirectories(dir.resolve(".y_files.tmp").resolve(dz.maxLevel() + "/0_0.jpeg"));
        int[] row = new int[w];
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
            for (int y = 0; y < h; y++) {
                dz.addRow(row, 0);
            }
            dz.finish();
        }).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining(dz.maxLevel() + "/0_0.jpeg: cannot write the tile: ")
                .message().doesNotContain("\n");
        assertThat(dir.resolve("y_files")).doesNotExist();
    }
}
