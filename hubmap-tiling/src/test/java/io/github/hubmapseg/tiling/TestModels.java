package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import java.util.concurrent.atomic.AtomicLong;

/** Small predictors for engine and sink tests. */
public final class TestModels {

    private TestModels() {
    }

    /** @return a predictor returning its single input channel unchanged (a copy) */
    public static Predictor identity() {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return 1;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                return new TileBatch(t.data().clone(), t.size(), 1, t.height(), t.width());
            }
        };
    }

    /** Constant output, optionally counting the tiles it sees. */
    static Predictor constant(float value, int channels, AtomicLong seen, boolean logits) {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return channels;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                if (seen != null) {
                    seen.addAndGet(t.size());
                }
                float[] d = new float[t.size() * t.height() * t.width()];
                java.util.Arrays.fill(d, value);
                return new TileBatch(d, t.size(), 1, t.height(), t.width());
            }

            @Override
            public boolean outputsLogits() {
                return logits;
            }
        };
    }

    /** Zeros from one input channel, declaring a size divisor. */
    static Predictor zeros(int sizeDivisor) {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return 1;
            }

            @Override
            public TileBatch predict(TileBatch tiles) {
                return TileBatch.zeros(tiles.size(), 1, tiles.height(), tiles.width());
            }

            @Override
            public int sizeDivisor() {
                return sizeDivisor;
            }
        };
    }

    /** {@code out = in * x} with x the column inside the window: not D4-equivariant. */
    static Predictor ramp() {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return 1;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                float[] d = t.data().clone();
                int w = t.width();
                for (int k = 0; k < d.length; k++) {
                    d[k] *= k % w;
                }
                return new TileBatch(d, t.size(), 1, t.height(), w);
            }
        };
    }

    /** Reference: 3x3 box blur of the whole image with reflect-101 borders, double. */
    static double[] blurReflect(double[] img, int h, int w) {
        double[] out = new double[h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double s = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dx = -1; dx <= 1; dx++) {
                        int yy = (int) TileGrid.reflect101(y + dy, h);
                        int xx = (int) TileGrid.reflect101(x + dx, w);
                        s += img[yy * w + xx];
                    }
                }
                out[y * w + x] = s / 9;
            }
        }
        return out;
    }
}
