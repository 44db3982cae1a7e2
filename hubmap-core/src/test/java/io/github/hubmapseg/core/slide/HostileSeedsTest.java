package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The hostile TIFF files of {@link TiffHostileTest} are also seeds of the fuzz corpus
 * ({@code src/test/resources/fuzz/tiff/hostile-*.tif}); this test checks the committed copies are what the
 * generators below write, and that each is refused with an error naming the file. Set the environment
 * variable {@code HUBMAP_WRITE_FUZZ_SEEDS} to the corpus folder to (re)write them.
 */
class HostileSeedsTest {

    static Map<String, byte[]> seeds() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("hostile-deflate-bomb.tif", tiled16(8, TiffHostileTest.deflateZeros(8L << 20)).bytes());
        byte[] runs = new byte[200];
        for (int i = 0; i < runs.length; i += 2) {
            runs[i] = (byte) -127;
            runs[i + 1] = 7;
        }
        m.put("hostile-packbits-bomb.tif", tiled16(32773, runs).bytes());
        m.put("hostile-lzw-bomb.tif", tiled16(5, TiffHostileTest.lzwLiterals(2000)).bytes());
        byte[] raw = new byte[768];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 37);
        }
        byte[] z = TiffHostileTest.deflate(raw);
        m.put("hostile-short-deflate.tif", tiled16(8, Arrays.copyOf(z, z.length / 2)).bytes());
        HostileTiff jpeg = tiled16(7, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        jpeg.photometric = 6;
        m.put("hostile-garbage-jpeg.tif", jpeg.bytes());
        byte[] sof = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xC0, 0, 11, 8, 0x0B, (byte) 0xB8, 0x0F,
                (byte) 0xA0, 1, 1, 0x11, 0, (byte) 0xFF, (byte) 0xDA, 0, 2};
        m.put("hostile-jpeg-sof-4000x3000.tif", tiled16(7, sof).bytes());
        HostileTiff wide = new HostileTiff();
        wide.width = Integer.MAX_VALUE;
        wide.height = 1;
        wide.samples = 1;
        wide.photometric = 1;
        wide.rowsPerStrip = 1;
        m.put("hostile-wide-strip.tif", wide.block(new byte[100]).bytes());
        HostileTiff off = new HostileTiff();
        off.big = true;
        off.block(new byte[16 * 16 * 3]);
        off.offsets = new long[] {Long.MIN_VALUE};
        m.put("hostile-offset-2pow63.tif", off.bytes());
        HostileTiff count = new HostileTiff();
        count.big = true;
        count.compression = 8;
        count.block(new byte[16 * 16 * 3]);
        count.offsets = new long[] {100};
        count.byteCounts = new long[] {Long.MAX_VALUE};
        m.put("hostile-count-overflow.tif", count.bytes());
        HostileTiff grid = tiled16(8, TiffHostileTest.deflate(new byte[768]));
        grid.width = 1 << 20;
        grid.height = 1 << 20;
        m.put("hostile-huge-grid.tif", grid.bytes());
        return m;
    }

    private static HostileTiff tiled16(int compression, byte[] tile) {
        HostileTiff t = new HostileTiff();
        t.tileWidth = 16;
        t.tileHeight = 16;
        t.compression = compression;
        return t.block(tile);
    }

    @Test
    void committedHostileSeedsMatchTheirGeneratorsAndAreRefused() throws IOException {
        Path corpus = Path.of(System.getProperty("hubmap.repo.dir", "."), "hubmap-core/src/test/resources/fuzz/tiff");
        String write = System.getenv("HUBMAP_WRITE_FUZZ_SEEDS");
        for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
            Path f = corpus.resolve(e.getKey());
            if (write != null) {
                Files.write(Path.of(write).resolve(e.getKey()), e.getValue());
            }
            assertThat(Files.readAllBytes(f)).as(e.getKey()).isEqualTo(e.getValue());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                try (ImageSource s = ImageSources.open(f)) {
                    s.read(net.imglib2.FinalInterval.createMinSize(0, 0, 16, 16));
                }
            }).as(e.getKey()).isInstanceOf(IOException.class).hasMessageStartingWith(f.toString())
                    .hasMessageNotContaining("\n");
        }
    }
}
