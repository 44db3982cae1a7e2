package io.github.hubmapseg.tiling;

import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;

/**
 * A {@link Predictor} that can also compute in float64, used by {@link SlidingWindow} in
 * {@link SlidingWindow.Precision#DOUBLE} mode (reference computations such as the conformance vectors,
 * exact to 1e-13). The float32 {@link #predict(TileBatch)} defaults to the double path.
 */
public interface DoublePredictor extends Predictor {

    /**
     * Predicts one batch in double precision.
     *
     * @param tiles NCHW values, length {@code n * inputChannels() * h * w}
     * @return one channel per tile, NCHW with C = 1, length {@code n * h * w}
     */
    double[] predict(double[] tiles, int n, int h, int w);

    @Override
    default TileBatch predict(TileBatch tiles) {
        double[] in = new double[tiles.data().length];
        for (int k = 0; k < in.length; k++) {
            in[k] = tiles.data()[k];
        }
        double[] out = predict(in, tiles.size(), tiles.height(), tiles.width());
        float[] f = new float[out.length];
        for (int k = 0; k < f.length; k++) {
            f[k] = (float) out[k];
        }
        return new TileBatch(f, tiles.size(), 1, tiles.height(), tiles.width());
    }
}
