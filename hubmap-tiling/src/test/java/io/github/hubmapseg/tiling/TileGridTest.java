package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TileGridTest {

    @Test
    void startsFollowTheConvention() {
        assertThat(TileGrid.starts(97, 32, 32)).containsExactly(0, 32, 64, 65);
        assertThat(TileGrid.starts(131, 32, 24)).containsExactly(0, 24, 48, 72, 96, 99);
        assertThat(TileGrid.starts(96, 32, 32)).containsExactly(0, 32, 64);
        assertThat(TileGrid.starts(32, 32, 7)).containsExactly(0);
        assertThat(TileGrid.starts(8192, 512, 384)).hasSize(21);
    }

    @Test
    void tilesKnowCoreAndWindow() {
        TileGrid g = new TileGrid(131, 97, 32, 24, 8);
        List<Tile> all = g.toList();
        assertThat(all).hasSize(24);
        assertThat(g.size()).isEqualTo(24);
        Tile t = all.get(5); // row 0, last column
        assertThat(t.row()).isZero();
        assertThat(t.col()).isEqualTo(5);
        assertThat(t.core().min(0)).isEqualTo(99);
        assertThat(t.core().max(0)).isEqualTo(130);
        assertThat(t.window().min(0)).isEqualTo(91);
        assertThat(t.window().max(1)).isEqualTo(39);
        assertThat(t.window().dimension(0)).isEqualTo(48);
        assertThat(g.tile(3, 5)).isEqualTo(all.get(23));
    }

    @Test
    void reflect101() {
        assertThat(TileGrid.reflect101(-1, 10)).isEqualTo(1);
        assertThat(TileGrid.reflect101(10, 10)).isEqualTo(8);
        assertThat(TileGrid.reflect101(-9, 10)).isEqualTo(9);
        assertThat(TileGrid.reflect101(-10, 10)).isEqualTo(8);
        assertThat(TileGrid.reflect101(25, 10)).isEqualTo(7);
        assertThat(TileGrid.reflect101(-3, 1)).isZero();
    }

    @Test
    void badGeometryIsNamed() {
        assertThatThrownBy(() -> new TileGrid(100, 50, 64, 32, 0)).hasMessageContaining("tileSize 64 is larger than the image 100 x 50");
        assertThatThrownBy(() -> new TileGrid(100, 100, 0, 1, 0)).hasMessage("tileSize must be > 0, got 0");
        assertThatThrownBy(() -> new TileGrid(100, 100, 32, 40, 0)).hasMessageContaining("stride must be in 1..32");
        assertThatThrownBy(() -> new TileGrid(100, 100, 32, 16, -2)).hasMessage("expand must be >= 0, got -2");
        assertThatThrownBy(() -> new TileGrid(0, 100, 32, 16, 0)).hasMessageContaining("image size must be positive");
    }
}
