package io.github.hubmapseg.pipeline.plot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChartTest {

    @Test
    void drawsSeriesColoursAndWritesPng(@TempDir Path dir) throws Exception {
        LineChart c = LineChart.builder("loss").xLabel("epoch").yLabel("loss")
                .series("train", new double[] {1.0, 0.6, 0.4, 0.3, Double.NaN, 0.25})
                .series("valid", new double[] {1.1, 0.8, 0.7, 0.65, 0.6, 0.6})
                .build();
        BufferedImage img = c.render(640, 400);
        int blue = 0;
        int orange = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xFFFFFF;
                if (rgb == 0x1F77B4) {
                    blue++;
                } else if (rgb == 0xFF7F0E) {
                    orange++;
                }
            }
        }
        assertThat(blue).as("first series drawn").isGreaterThan(100);
        assertThat(orange).as("second series drawn").isGreaterThan(100);
        Path png = dir.resolve("loss.png");
        c.writePng(png, 640, 400);
        assertThat(ImageIO.read(png.toFile()).getWidth()).isEqualTo(640);
    }

    @Test
    void ticksAreNiceAndCover() {
        double[] t = LineChart.ticks(0.013, 0.987);
        assertThat(t[0]).isLessThanOrEqualTo(0.013);
        assertThat(t[t.length - 1]).isGreaterThanOrEqualTo(0.987);
        assertThat(t.length).isBetween(4, 13);
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> LineChart.builder("x").build()).hasMessageContaining("at least one series");
        assertThatThrownBy(() -> LineChart.builder("x").series("s", new double[] {1}, new double[] {1, 2}))
                .hasMessageContaining("'s'").hasMessageContaining("1 and 2");
        assertThatThrownBy(() -> LineChart.builder("x").series("s", new double[] {1}).build().render(10, 10))
                .hasMessageContaining("10x10");
    }
}
