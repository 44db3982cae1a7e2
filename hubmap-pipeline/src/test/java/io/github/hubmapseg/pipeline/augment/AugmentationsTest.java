package io.github.hubmapseg.pipeline.augment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AugmentationsTest {

    /** A 0/1 mask of a few discs on a size x size tile. */
    private static byte[] blobs(int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] m = new byte[h * w];
        for (int k = 0; k < 5; k++) {
            int cx = r.nextInt(w);
            int cy = r.nextInt(h);
            int rad = 4 + r.nextInt(Math.max(1, Math.min(h, w) / 6));
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad) {
                        m[y * w + x] = 1;
                    }
                }
            }
        }
        return m;
    }

    /** A tile whose every channel equals mask * 255. */
    private static Tile maskTile(int c, int h, int w, long seed) {
        byte[] m = blobs(h, w, seed);
        float[] img = new float[c * h * w];
        for (int ch = 0; ch < c; ch++) {
            for (int i = 0; i < h * w; i++) {
                img[ch * h * w + i] = m[i] * 255f;
            }
        }
        return Tile.of(img, m, c, h, w);
    }

    private static Tile randomTile(int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] img = new float[c * h * w];
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) (r.nextDouble() * 255);
        }
        return Tile.of(img, blobs(h, w, seed + 1), c, h, w);
    }

    private static List<Augmentation> allWithP(double p) {
        return List.of(new HorizontalFlip(p), new VerticalFlip(p), new RandomRotate90(p), new Transpose(p),
                new ShiftScaleRotate(0.1, 0.2, 30, p), new ElasticTransform(30, 4, 5, p), new GridDistortion(5, 0.3, p),
                new OpticalDistortion(0.3, 0.05, p), new GaussianBlur(3, 7, p), new GaussNoise(10, 50, 0, p),
                new HueSaturationValue(20, 30, 20, p), new RandomBrightnessContrast(0.2, 0.2, p),
                CoarseDropout.of(4, 8, p), new RandomCrop(20, 24, p),
                new Compose(List.of(new HorizontalFlip(1)), p), new OneOf(List.of(new VerticalFlip(1)), p));
    }

    @Test
    void identityAtPZero() {
        for (Augmentation a : allWithP(0)) {
            Tile t = randomTile(3, 32, 40, 5);
            Tile before = t.copy();
            for (long s = 0; s < 20; s++) {
                Augmentations.apply(a, t, s);
            }
            assertThat(t.image()).as(a.toString()).containsExactly(before.image());
            assertThat(t.mask()).as(a.toString()).containsExactly(before.mask());
        }
    }

    @Test
    void deterministicForASeed() {
        for (Augmentation a : List.of(Augmentations.thirdPlace(), Augmentations.light(),
                new ElasticTransform(30, 4, 5, 1), new GaussNoise(10, 50, 0, 1))) {
            Tile t1 = randomTile(3, 48, 48, 9);
            Tile t2 = t1.copy();
            Tile t3 = t1.copy();
            Augmentations.apply(a, t1, 1234);
            Augmentations.apply(a, t2, 1234);
            assertThat(t1.image()).containsExactly(t2.image());
            assertThat(t1.mask()).containsExactly(t2.mask());
            boolean differs = false;
            for (long s = 1; s < 6 && !differs; s++) {
                Tile t4 = t3.copy();
                Augmentations.apply(a, t4, 1234 + s);
                differs = !java.util.Arrays.equals(t4.image(), t1.image());
            }
            assertThat(differs).as("other seeds give other results for %s", a).isTrue();
        }
        assertThat(Augmentations.sampleSeed(1, 2, 3)).isEqualTo(Augmentations.sampleSeed(1, 2, 3))
                .isNotEqualTo(Augmentations.sampleSeed(1, 2, 4)).isNotEqualTo(Augmentations.sampleSeed(1, 3, 3));
    }

    @Test
    void exactGeometryKeepsImageAndMaskIdentical() {
        for (Augmentation a : List.of(new HorizontalFlip(1), new VerticalFlip(1), new RandomRotate90(1),
                new Transpose(1), new RandomCrop(17, 29, 1), Augmentations.flips())) {
            for (long seed = 0; seed < 6; seed++) {
                Tile t = maskTile(3, 30, 44, seed);
                byte[] before = t.mask().clone();
                Augmentations.apply(a, t, seed);
                int n = t.height() * t.width();
                for (int c = 0; c < 3; c++) {
                    for (int i = 0; i < n; i++) {
                        assertThat(t.image()[c * n + i]).as("%s seed %d", a, seed).isEqualTo(t.mask()[i] * 255f);
                    }
                }
                assertThat(t.image()).hasSize(3 * n);
                if (!(a instanceof RandomCrop)) {
                    assertThat(sum(t.mask())).isEqualTo(sum(before));
                }
            }
        }
    }

    @Test
    void resamplingGeometryKeepsImageAndMaskAligned() {
        for (Augmentation a : List.of(new ShiftScaleRotate(0.1, 0.2, 45, 1), new ElasticTransform(40, 5, 8, 1),
                new GridDistortion(5, 0.3, 1), new OpticalDistortion(0.5, 0.05, 1), PiecewiseAffine.defaults(1),
                Augmentations.thirdPlace())) {
            for (long seed = 0; seed < 4; seed++) {
                Tile t = maskTile(1, 96, 96, seed);
                byte[] before = t.mask().clone();
                Augmentations.apply(a, t, seed);
                int agree = 0;
                int moved = 0;
                for (int i = 0; i < t.mask().length; i++) {
                    if ((t.image()[i] >= 127.5f) == (t.mask()[i] == 1) || t.image()[i] == 0f) {
                        agree++;
                    }
                    if (t.mask()[i] != before[i]) {
                        moved++;
                    }
                }
                // cutout in the third-place preset blanks the image only: count zeros as agreeing
                assertThat(agree).as("%s seed %d aligned", a, seed).isGreaterThan((int) (0.98 * t.mask().length));
                if (!(a instanceof Compose)) {
                    assertThat(moved).as("%s seed %d moved the mask", a, seed).isGreaterThan(0);
                }
            }
        }
    }

    @Test
    void thirdPlacePresetHoldsCLAHEAndPiecewiseAffineInTheWriteUpsOneOfs() {
        // get_aug(): OneOf([... GridDistortion(p=.1), IAAPiecewiseAffine(p=0.3)], p=0.3),
        //            OneOf([HueSaturationValue(15,25,0), CLAHE(clip_limit=2), RandomBrightnessContrast(...)], p=0.3)
        Compose c = (Compose) Augmentations.thirdPlace();
        List<OneOf> oneOfs = c.children().stream().filter(a -> a instanceof OneOf).map(a -> (OneOf) a).toList();
        assertThat(oneOfs).hasSize(2);
        assertThat(oneOfs.get(0).p()).isEqualTo(0.3);
        assertThat(oneOfs.get(0).children()).contains(new PiecewiseAffine(0.03, 0.05, 4, 4, 0.3)).hasSize(6);
        assertThat(oneOfs.get(1).p()).isEqualTo(0.3);
        assertThat(oneOfs.get(1).children()).contains(new Clahe(1, 2, 8, 8, 0.5)).hasSize(3);
    }

    @Test
    void knownResults() {
        // 2x3 image: rows [0 1 2], [3 4 5]
        Tile t = Tile.of(new float[] {0, 1, 2, 3, 4, 5}, new byte[] {0, 1, 0, 0, 0, 1}, 1, 2, 3);
        new HorizontalFlip(1).transform(t, new SplittableRandom(0));
        assertThat(t.image()).containsExactly(2, 1, 0, 5, 4, 3);
        assertThat(t.mask()).containsExactly(0, 1, 0, 1, 0, 0);
        new VerticalFlip(1).transform(t, new SplittableRandom(0));
        assertThat(t.image()).containsExactly(5, 4, 3, 2, 1, 0);
        Tile u = Tile.of(new float[] {0, 1, 2, 3, 4, 5}, null, 1, 2, 3);
        new Transpose(1).transform(u, new SplittableRandom(0));
        assertThat(u.height()).isEqualTo(3);
        assertThat(u.image()).containsExactly(0, 3, 1, 4, 2, 5);
        Tile v = Tile.of(new float[] {0, 1, 2, 3, 4, 5}, null, 1, 2, 3);
        Rotations.rotate(v, 1); // counter-clockwise (numpy rot90): [[2,5],[1,4],[0,3]]
        assertThat(v.image()).containsExactly(2, 5, 1, 4, 0, 3);
        // integer shift by +2 in x with reflect-101: out(x) = in(reflect(x - 2))
        Tile s = Tile.of(new float[] {10, 11, 12, 13, 14, 15}, new byte[] {1, 0, 0, 0, 0, 0}, 1, 1, 6);
        ShiftScaleRotate.apply(s, 0, 1, 2, 0);
        assertThat(s.image()).containsExactly(12, 11, 10, 11, 12, 13);
        assertThat(s.mask()).containsExactly(0, 0, 1, 0, 0, 0);
        assertThat(Warp.reflect101(-1, 5)).isEqualTo(1);
        assertThat(Warp.reflect101(5, 5)).isEqualTo(3);
        assertThat(Warp.reflect101(-9, 5)).isEqualTo(1);
    }

    @Test
    void rotationBy90DegreesEqualsRot90() {
        Tile a = randomTile(2, 21, 21, 3);
        Tile b = a.copy();
        ShiftScaleRotate.apply(a, 90, 1, 0, 0);
        Rotations.rotate(b, 1);
        assertThat(a.mask()).containsExactly(b.mask());
        for (int i = 0; i < a.image().length; i++) {
            assertThat(a.image()[i]).isCloseTo(b.image()[i], within(1e-3f));
        }
    }

    @Test
    void probabilitiesAreRespected() {
        int n = 4000;
        double p = 0.3;
        int flipped = 0;
        for (int s = 0; s < n; s++) {
            Tile t = Tile.of(new float[] {0, 1}, null, 1, 1, 2);
            Augmentations.apply(new HorizontalFlip(p), t, s);
            flipped += t.image()[0] == 1 ? 1 : 0;
        }
        double sd = Math.sqrt(p * (1 - p) / n);
        assertThat((double) flipped / n).isCloseTo(p, within(5 * sd));
        // OneOf(p 0.8) choosing HorizontalFlip (weight 0.3) or VerticalFlip (weight 0.1)
        int h = 0;
        int v = 0;
        for (int s = 0; s < n; s++) {
            Tile t = Tile.of(new float[] {0, 1, 2, 3}, null, 1, 2, 2);
            Augmentations.apply(new OneOf(List.of(new HorizontalFlip(0.3), new VerticalFlip(0.1)), 0.8), t, s);
            if (t.image()[0] == 1) {
                h++;
            } else if (t.image()[0] == 2) {
                v++;
            }
        }
        double ph = 0.8 * 0.75;
        double pv = 0.8 * 0.25;
        assertThat((double) h / n).isCloseTo(ph, within(5 * Math.sqrt(ph * (1 - ph) / n)));
        assertThat((double) v / n).isCloseTo(pv, within(5 * Math.sqrt(pv * (1 - pv) / n)));
        // rot90: each k in {0,1,2,3} a quarter of the time
        int[] k = new int[4];
        for (int s = 0; s < n; s++) {
            Tile t = Tile.of(new float[] {0, 1, 2, 3}, null, 1, 2, 2);
            Augmentations.apply(new RandomRotate90(1), t, s);
            k[(int) t.image()[0]]++; // top-left value identifies the rotation
        }
        for (int c : k) {
            assertThat((double) c / n).isCloseTo(0.25, within(5 * Math.sqrt(0.25 * 0.75 / n)));
        }
    }

    @Test
    void photometricOnesLeaveTheMaskAndStayInRange() {
        for (Augmentation a : List.of(new GaussianBlur(3, 7, 1), new GaussNoise(10, 50, 0, 1),
                new HueSaturationValue(20, 30, 20, 1), new RandomBrightnessContrast(0.3, 0.3, 1))) {
            Tile t = randomTile(3, 40, 40, 2);
            byte[] m = t.mask().clone();
            float[] before = t.image().clone();
            Augmentations.apply(a, t, 17);
            assertThat(t.mask()).containsExactly(m);
            assertThat(t.image()).isNotEqualTo(before);
            for (float f : t.image()) {
                assertThat(f).as(a.toString()).isBetween(0f, 255f);
            }
        }
    }

    @Test
    void photometricValues() {
        // noise with a fixed variance of 100 on mid grey: sample variance close to 100
        Tile t = Tile.of(filled(3 * 64 * 64, 128), null, 3, 64, 64);
        new GaussNoise(100, 100, 0, 1).transform(t, new SplittableRandom(1));
        double mean = 0;
        for (float f : t.image()) {
            mean += f;
        }
        mean /= t.image().length;
        double var = 0;
        for (float f : t.image()) {
            var += (f - mean) * (f - mean);
        }
        var /= t.image().length;
        assertThat(var).isCloseTo(100, within(6.0));
        assertThat(mean).isCloseTo(128, within(0.5));
        // HSV with zero shifts is the identity (RGB -> HSV -> RGB round trip)
        Tile r = randomTile(3, 16, 16, 4);
        float[] before = r.image().clone();
        new HueSaturationValue(0, 0, 0, 1).transform(r, new SplittableRandom(0));
        for (int i = 0; i < before.length; i++) {
            assertThat(r.image()[i]).isCloseTo(before[i], within(1e-3f));
        }
        // hue shift of 60 OpenCV units (120 degrees) maps pure red to pure green
        Tile red = Tile.of(new float[] {255, 0, 0}, null, 3, 1, 1);
        HueSaturationValue.shift(red, 60, 0, 0);
        assertThat(red.image()[0]).isCloseTo(0f, within(1e-3f));
        assertThat(red.image()[1]).isCloseTo(255f, within(1e-3f));
        // brightness-contrast on a constant image gives a constant image
        Tile c = Tile.of(filled(3 * 8 * 8, 100), null, 3, 8, 8);
        new RandomBrightnessContrast(0.2, 0.2, 1).transform(c, new SplittableRandom(3));
        for (float f : c.image()) {
            assertThat(f).isEqualTo(c.image()[0]);
        }
        assertThat(c.image()[0]).isNotEqualTo(100f);
        // blur keeps constants and the mean of a periodic-free image roughly
        Tile b = Tile.of(filled(20 * 20, 77), null, 1, 20, 20);
        new GaussianBlur(7, 7, 1).transform(b, new SplittableRandom(0));
        for (float f : b.image()) {
            assertThat(f).isCloseTo(77f, within(1e-3f));
        }
        assertThat(Blur.opencvSigma(3)).isCloseTo(0.8, within(1e-12));
        // the three boxes have the variance of the Gaussian they stand for (within one box step)
        for (double sigma : new double[] {2, 5, 50}) {
            double v = 0;
            for (int s : Blur.boxSizes(sigma, 3)) {
                v += (s * s - 1) / 12.0;
            }
            assertThat(Math.sqrt(v)).isCloseTo(sigma, within(0.1 * sigma + 0.5));
        }
    }

    @Test
    void cutoutFillsHolesInImageOnlyByDefault() {
        Tile t = Tile.of(filled(2 * 50 * 50, 200), new byte[50 * 50], 2, 50, 50);
        java.util.Arrays.fill(t.mask(), (byte) 1);
        new CoarseDropout(3, 3, 10, 10, 10, 10, 0f, -1, 1).transform(t, new SplittableRandom(8));
        int zeros = 0;
        for (float f : t.image()) {
            zeros += f == 0 ? 1 : 0;
        }
        assertThat(zeros).isBetween(2 * 100, 2 * 300); // 3 holes of 10x10 in 2 channels, possibly overlapping
        assertThat(sum(t.mask())).isEqualTo(2500);
        Tile m = Tile.of(filled(50 * 50, 200), new byte[50 * 50], 1, 50, 50);
        java.util.Arrays.fill(m.mask(), (byte) 1);
        new CoarseDropout(2, 2, 5, 5, 5, 5, 0f, 0, 1).transform(m, new SplittableRandom(8));
        int zm = 2500 - sum(m.mask());
        int zi = 0;
        for (float f : m.image()) {
            zi += f == 0 ? 1 : 0;
        }
        assertThat(zm).isEqualTo(zi).isBetween(25, 50);
    }

    @Test
    void presetsRun() {
        for (String name : Augmentations.PRESETS) {
            Augmentation a = Augmentations.preset(name);
            int size = name.equals("twenty-third-place") ? 800 : 64;
            Tile t = maskTile(3, size, size, 1);
            for (long s = 0; s < (size > 100 ? 2 : 10); s++) {
                Augmentations.apply(a, t, s);
            }
            if (name.equals("twenty-third-place")) {
                assertThat(t.height()).isEqualTo(768);
            } else {
                assertThat(t.height()).isEqualTo(size);
            }
        }
        assertThatThrownBy(() -> Augmentations.preset("fourth-place")).hasMessageContaining("'fourth-place'")
                .hasMessageContaining("third-place");
    }

    @Test
    void badParametersAreNamed() {
        assertThatThrownBy(() -> new HorizontalFlip(1.5)).hasMessageContaining("HorizontalFlip: p must be in [0, 1], got 1.5");
        assertThatThrownBy(() -> new ShiftScaleRotate(-0.1, 0.1, 10, 0.5)).hasMessageContaining("shiftLimit")
                .hasMessageContaining("-0.1");
        assertThatThrownBy(() -> new ShiftScaleRotate(0.1, 0.1, 200, 0.5)).hasMessageContaining("rotateLimit");
        assertThatThrownBy(() -> new GaussianBlur(4, 7, 0.5)).hasMessageContaining("[4, 7]");
        assertThatThrownBy(() -> new GaussNoise(50, 10, 0, 0.5)).hasMessageContaining("varMax");
        assertThatThrownBy(() -> new GridDistortion(0, 0.3, 0.5)).hasMessageContaining("numSteps must be >= 1, got 0");
        assertThatThrownBy(() -> new ElasticTransform(1, 0, 50, 0.5)).hasMessageContaining("sigma");
        assertThatThrownBy(() -> new CoarseDropout(1, 8, 1, 8, 1, 8, 0, 2, 0.5)).hasMessageContaining("maskFillValue");
        assertThatThrownBy(() -> new OneOf(List.of(), 0.5)).hasMessageContaining("at least one");
        assertThatThrownBy(() -> new RandomCrop(100, 100, 1).transform(randomTile(1, 50, 60, 1), new SplittableRandom(0)))
                .hasMessageContaining("100x100").hasMessageContaining("50x60");
        assertThatThrownBy(() -> new HueSaturationValue(1, 1, 1, 1).transform(randomTile(1, 4, 4, 1), new SplittableRandom(0)))
                .hasMessageContaining("3 channels");
        assertThatThrownBy(() -> Tile.of(new float[5], null, 1, 2, 3)).hasMessageContaining("6").hasMessageContaining("5");
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static int sum(byte[] m) {
        int s = 0;
        for (byte b : m) {
            s += b;
        }
        return s;
    }
}
