package io.github.hubmapseg.core.slide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.DeflaterOutputStream;
import net.imglib2.FinalInterval;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compressed tiles decode in parallel: a read is not blocked by another thread holding a reader of the same
 * source (it gets its own algart-tiff reader), and the extra readers keep the hostile-input guarantees (a
 * corrupt tile is a one-line error naming the file, page and tile).
 */
class ParallelDecodeTest {

    @TempDir
    Path dir;

    private static byte[] deflate(byte[] raw) throws IOException {
        ByteArrayOutputStream bo = new ByteArrayOutputStream();
        try (DeflaterOutputStream d = new DeflaterOutputStream(bo)) {
            d.write(raw);
        }
        return bo.toByteArray();
    }

    /** 32 x 16 RGB, two 16 x 16 deflate tiles: tile 0 valid (interleaved value 3 * i + c), tile 1 garbage. */
    private Path twoTiles() throws IOException {
        byte[] raw = new byte[16 * 16 * 3];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        HostileTiff t = new HostileTiff();
        t.width = 32;
        t.tileWidth = 16;
        t.tileHeight = 16;
        t.compression = 8;
        t.block(deflate(raw)).block(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        return t.write(dir.resolve("two-tiles.tif"));
    }

    @Test
    void aReadIsNotBlockedByAnotherThreadsDecodeAndErrorsStayOneLine() throws Exception {
        Path f = twoTiles();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try (TiffImageSource s = TiffImageSource.open(f)) {
            AlgartReaderPool pool = s.readerPool();
            AlgartReaderPool.Entry held = pool.acquire(); // as if this thread were decoding a tile right now
            try {
                Future<byte[]> read = other.submit(() -> {
                    byte[] b = new byte[16 * 16 * 3];
                    s.readInto(0, 0, 16, 16, b);
                    return b;
                });
                byte[] b = read.get(30, TimeUnit.SECONDS); // one reader per source would wait here forever
                // planar result: channel c of pixel i is raw byte 3 * i + c
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < 256; i++) {
                        assertThat(b[c * 256 + i]).isEqualTo((byte) (3 * i + c));
                    }
                }
                assertThat(pool.opened()).isEqualTo(2);
                Future<?> bad = other.submit(() -> s.read(FinalInterval.createMinSize(16, 0, 16, 16)));
                assertThatThrownBy(() -> bad.get(30, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(IOException.class).hasMessageStartingWith(f.toString())
                        .hasMessageContaining("(page 0): tile (1, 0)").hasMessageNotContaining("\n");
            } finally {
                pool.release(held);
            }
            assertThat(pool.opened()).isLessThanOrEqualTo(Math.max(2, Runtime.getRuntime().availableProcessors()));
        } finally {
            other.shutdownNow();
        }
    }
}
