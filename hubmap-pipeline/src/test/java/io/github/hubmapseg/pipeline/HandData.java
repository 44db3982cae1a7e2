package io.github.hubmapseg.pipeline;

import io.github.hubmapseg.core.kaggle.AnatomicalStructure;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.Polygon;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.predict.Predictor;
import io.github.hubmapseg.core.predict.TileBatch;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.slide.InMemoryImageSource;
import io.github.hubmapseg.core.slide.TiffSlideWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-made competition folder whose slides show their own (box-blurred) truth: every channel of pixel
 * (x, y) is {@code round(255 * blurred mask)}, so {@link #identity()} (p = channel 0 / 255) is a predictor
 * whose probability map is known exactly. Glomeruli are disks (convex), the mask is the disk.
 */
public final class HandData {
    /** Slide side. */
    public static final int SIZE = 256;
    /** Disk radius. */
    public static final int RADIUS = 18;
    /** Box blur radius of the image. */
    public static final int BLUR = 4;

    private HandData() {
    }

    /** Disk centres of slide {@code k} (0: train "a", 1: train "b", 2: test "t"). */
    public static int[][] centres(int k) {
        return switch (k) {
            case 0 -> new int[][] {{40, 40}, {60, 180}, {200, 90}};
            case 1 -> new int[][] {{50, 120}, {170, 200}};
            default -> new int[][] {{45, 60}, {100, 200}, {190, 50}, {200, 190}};
        };
    }

    /** The 0/1 mask of slide {@code k}, row-major. */
    public static byte[] mask(int k) {
        byte[] m = new byte[SIZE * SIZE];
        for (int[] c : centres(k)) {
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    int dx = x - c[0];
                    int dy = y - c[1];
                    if (dx * dx + dy * dy <= RADIUS * RADIUS) {
                        m[y * SIZE + x] = 1;
                    }
                }
            }
        }
        return m;
    }

    /** Channel-0 value of slide {@code k} (the box-blurred mask x 255, rounded), row-major. */
    public static byte[] image(int k) {
        byte[] m = mask(k);
        byte[] out = new byte[SIZE * SIZE];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int s = 0;
                int n = 0;
                for (int dy = -BLUR; dy <= BLUR; dy++) {
                    for (int dx = -BLUR; dx <= BLUR; dx++) {
                        int xx = x + dx;
                        int yy = y + dy;
                        if (xx >= 0 && yy >= 0 && xx < SIZE && yy < SIZE) {
                            s += m[yy * SIZE + xx];
                            n++;
                        }
                    }
                }
                out[y * SIZE + x] = (byte) Math.round(255.0 * s / n);
            }
        }
        return out;
    }

    /**
     * Writes the folder: train/a, train/b (train.csv), test/t (sample_submission.csv, test_truth.csv),
     * anatomical structures: Cortex = left half, Medulla = bottom-right quadrant.
     */
    public static Path write(Path dir) throws IOException {
        String[] ids = {"a", "b", "t"};
        List<TrainRow> train = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Path sub = dir.resolve(k < 2 ? "train" : "test");
            Files.createDirectories(sub);
            byte[] c0 = image(k);
            byte[] px = new byte[3 * c0.length];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(c0, 0, px, c * c0.length, c0.length);
            }
            try (TiffSlideWriter w = TiffSlideWriter.builder(sub.resolve(ids[k] + ".tiff"), SIZE, SIZE).tileSize(128)
                    .open()) {
                w.writeAll(new InMemoryImageSource(px, SIZE, SIZE, 3), 1, null);
            }
            KaggleFiles.writeAnatomicalStructures(sub.resolve(ids[k] + "-anatomical-structure.json"), List.of(
                    new AnatomicalStructure("Cortex", List.of(rect(0, 0, SIZE / 2, SIZE))),
                    new AnatomicalStructure("Medulla", List.of(rect(SIZE / 2, SIZE / 2, SIZE, SIZE)))));
            TrainRow row = new TrainRow(ids[k], Rle.encode(mask(k), SIZE, SIZE));
            if (k < 2) {
                train.add(row);
            } else {
                KaggleFiles.writeTrain(dir.resolve("test_truth.csv"), List.of(row));
                KaggleFiles.writeSubmission(dir.resolve("sample_submission.csv"), List.of(new TrainRow("t", "")));
            }
        }
        KaggleFiles.writeTrain(dir.resolve("train.csv"), train);
        return dir;
    }

    /** Axis-aligned rectangle polygon {@code [x0, x1) x [y0, y1)}. */
    public static Polygon rect(double x0, double y0, double x1, double y1) {
        return new Polygon(new double[] {x0, x1, x1, x0}, new double[] {y0, y0, y1, y1});
    }

    /** p = channel 0 / 255: the slide's own blurred truth. */
    public static Predictor identity() {
        return new Predictor() {
            @Override
            public int inputChannels() {
                return 3;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                int plane = t.height() * t.width();
                float[] out = new float[t.size() * plane];
                for (int n = 0; n < t.size(); n++) {
                    System.arraycopy(t.data(), n * 3 * plane, out, n * plane, plane);
                }
                for (int k = 0; k < out.length; k++) {
                    out[k] /= 255f;
                }
                return new TileBatch(out, t.size(), 1, t.height(), t.width());
            }
        };
    }

    /** p = channel 0 / 255 times x / (width - 1): not flip-equivariant, so TTA poses disagree. */
    public static Predictor skewed() {
        Predictor id = identity();
        return new Predictor() {
            @Override
            public int inputChannels() {
                return 3;
            }

            @Override
            public TileBatch predict(TileBatch t) {
                TileBatch o = id.predict(t);
                float[] d = o.data();
                int w = t.width();
                for (int k = 0; k < d.length; k++) {
                    d[k] *= (k % w) / (float) (w - 1);
                }
                return o;
            }
        };
    }
}
