package io.github.hubmapseg.tiling.conformance;

import io.github.hubmapseg.tiling.DoublePredictor;

/**
 * The tiny "model" of {@code stitch.json}: a 3 x 3 box blur of one channel with zero padding inside the
 * window, {@code out[i][j] = (1/9) * sum window[i+di][j+dj]}, so that tile borders show in the output.
 */
public final class BoxBlurPredictor implements DoublePredictor {

    @Override
    public int inputChannels() {
        return 1;
    }

    @Override
    public double[] predict(double[] tiles, int n, int h, int w) {
        double[] out = new double[n * h * w];
        for (int t = 0; t < n; t++) {
            int b = t * h * w;
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    double s = 0;
                    for (int di = -1; di <= 1; di++) {
                        int y = i + di;
                        if (y < 0 || y >= h) {
                            continue;
                        }
                        for (int dj = -1; dj <= 1; dj++) {
                            int x = j + dj;
                            if (x >= 0 && x < w) {
                                s += tiles[b + y * w + x];
                            }
                        }
                    }
                    out[b + i * w + j] = s / 9;
                }
            }
        }
        return out;
    }
}
