package io.github.hubmapseg.tiling.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.tiling.SlidingWindow;
import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class RleMaskSinkTest {

    @Test
    void streamedRleEqualsWholeMaskEncodingForAnyBandHeight() throws Exception {
        Random rnd = new Random(11);
        for (int trial = 0; trial < 20; trial++) {
            int w = 1 + rnd.nextInt(70);
            int h = 1 + rnd.nextInt(70);
            byte[] m = new byte[w * h];
            for (int i = 0; i < m.length; i++) {
                m[i] = (byte) (rnd.nextInt(5) == 0 ? 1 : 0);
            }
            AtomicReference<RleRuns> got = new AtomicReference<>();
            RleMaskSink sink = new RleMaskSink(got::set);
            SinkTest.stream(sink, m, w, h, 1 + rnd.nextInt(9));
            assertThat(got.get().toRle()).isEqualTo(Rle.encode(m, h, w));
            assertThat(sink.runs()).isSameAs(got.get());
        }
    }

    @Test
    void slidingWindowStreamsStraightIntoRle() throws Exception {
        int w = 97;
        int h = 61;
        byte[] px = new byte[w * h];
        Random rnd = new Random(3);
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (rnd.nextBoolean() ? 200 : 10);
        }
        Predictor bright = new Predictor() {
            @Override
            public int inputChannels() {
                return 1;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                float[] out = new float[t.size() * t.height() * t.width()];
                for (int i = 0; i < out.length; i++) {
                    out[i] = t.data()[i] / 255f;
                }
                return new TileBatch(out, t.size(), 1, t.height(), t.width());
            }
        };
        RleMaskSink sink = new RleMaskSink();
        try (InMemoryImageSource src = new InMemoryImageSource(px, w, h, 1)) {
            SlidingWindow.builder(32).stride(24).build().run(src, bright, RowSinks.maskStage(0.5, 0, sink));
        }
        byte[] expected = new byte[w * h];
        for (int i = 0; i < px.length; i++) {
            expected[i] = (byte) ((px[i] & 0xFF) / 255f > 0.5f ? 1 : 0);
        }
        assertThat(sink.runs().toRle()).isEqualTo(Rle.encode(expected, h, w));
    }

    @Test
    void bandsOutOfOrderAreRejected() throws Exception {
        RleMaskSink sink = new RleMaskSink();
        sink.begin(4, 4);
        assertThatThrownBy(() -> sink.accept(2, 1, new byte[4])).hasMessageContaining("expected row 0, got 2");
    }
}
