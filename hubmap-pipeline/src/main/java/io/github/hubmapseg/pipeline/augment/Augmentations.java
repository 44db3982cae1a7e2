package io.github.hubmapseg.pipeline.augment;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Builders, presets and helpers for {@link Augmentation}s.
 *
 * <p>Presets (names usable in recipes, see {@link #preset(String)}):
 * <ul>
 *   <li>{@code "none"}: identity;</li>
 *   <li>{@code "flips"}: horizontal, vertical flip and rot90, each p 0.5 (exact, lossless);</li>
 *   <li>{@code "light"}: flips + rot90, a mild shift-scale-rotate and brightness-contrast (the {@code cpu-quick}
 *       default);</li>
 *   <li>{@code "third-place"}: the 3rd place's {@code get_aug()} (seed write-up, CLAHE and IAAPiecewiseAffine
 *       included) plus cutout;</li>
 *   <li>{@code "first-place"}: an assumption, see {@link #firstPlace()};</li>
 *   <li>{@code "twenty-third-place"}: the 23rd place's (Chris Deotte) list, see {@link #twentyThirdPlace()}.</li>
 * </ul>
 */
public final class Augmentations {

    /** Names accepted by {@link #preset(String)}. */
    public static final List<String> PRESETS = List.of("none", "flips", "light", "third-place", "first-place",
            "twenty-third-place");

    private Augmentations() {
    }

    /** Applies {@code aug} (with its probability) to the tile with a generator seeded by {@code seed}. */
    public static void apply(Augmentation aug, Tile tile, long seed) {
        aug.apply(tile, new SplittableRandom(seed));
    }

    /**
     * A per-sample seed from a run seed, an epoch and a sample index (SplitMix64 mixing), so that data loading
     * in several threads is reproducible whatever the thread that handles a sample.
     */
    public static long sampleSeed(long runSeed, int epoch, long index) {
        long z = runSeed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A builder of a {@link Compose} (probability 1 unless {@link Builder#p} is set). */
    public static Builder compose() {
        return new Builder();
    }

    /** The identity (an empty composition). */
    public static Augmentation none() {
        return new Compose(List.of(), 1);
    }

    /** Horizontal flip, vertical flip and rot90, each with probability 0.5. */
    public static Augmentation flips() {
        return compose().add(new HorizontalFlip(0.5)).add(new VerticalFlip(0.5)).add(new RandomRotate90(0.5)).build();
    }

    /** Flips and rot90, shift-scale-rotate (0.0625, 0.1, 15 degrees, p 0.5) and brightness-contrast (0.2, 0.2, p 0.3). */
    public static Augmentation light() {
        return compose().add(new HorizontalFlip(0.5)).add(new VerticalFlip(0.5)).add(new RandomRotate90(0.5))
                .add(new ShiftScaleRotate(0.0625, 0.1, 15, 0.5))
                .add(new RandomBrightnessContrast(0.2, 0.2, 0.3)).build();
    }

    /**
     * The 3rd place ({@code get_aug}, seed write-up): HorizontalFlip, VerticalFlip, RandomRotate90 (p 0.5 each),
     * ShiftScaleRotate(0.0625, 0.2, 15, p 0.9), OneOf([Elastic .3, GaussianBlur .3, GaussNoise .3, Optical .3,
     * Grid .1, IAAPiecewiseAffine .3], p 0.3), OneOf([HueSaturationValue(15, 25, 0), CLAHE(clip_limit=2),
     * RandomBrightnessContrast(0.3, 0.3)], p 0.3), then cutout. {@code IAAPiecewiseAffine} is {@link PiecewiseAffine}
     * with imgaug's defaults (scale 0.03..0.05, 4 x 4 points; each cell cut along its main diagonal, see there);
     * {@code CLAHE(clip_limit=2)} is {@link Clahe#of}{@code (2)} (clip uniform in [1, 2], 8 x 8 tiles, p 0.5 as its
     * OneOf weight; L*a*b* in floating point, see there). The write-up names cutout without parameters: here up to
     * 8 holes of up to 1/8 of 1024 (128 px), p 0.5.
     */
    public static Augmentation thirdPlace() {
        return compose()
                .add(new HorizontalFlip(0.5)).add(new VerticalFlip(0.5)).add(new RandomRotate90(0.5))
                .add(new ShiftScaleRotate(0.0625, 0.2, 15, 0.9))
                .oneOf(0.3, ElasticTransform.defaults(0.3), new GaussianBlur(3, 7, 0.3), new GaussNoise(10, 50, 0, 0.3),
                        new OpticalDistortion(0.05, 0.05, 0.3), new GridDistortion(5, 0.3, 0.1),
                        PiecewiseAffine.defaults(0.3))
                .oneOf(0.3, new HueSaturationValue(15, 25, 0, 0.5), Clahe.of(2),
                        new RandomBrightnessContrast(0.3, 0.3, 0.5))
                .add(CoarseDropout.of(8, 128, 0.5))
                .build();
    }

    /**
     * "first-place": the seeds do not give the 1st place's augmentation list, so this preset is an ASSUMPTION:
     * the 3rd place's geometric part (flips, rot90, ShiftScaleRotate(0.0625, 0.2, 15, p 0.9)) with its colour
     * OneOf, without distortions, noise or cutout. Replace it when the real list is known.
     */
    public static Augmentation firstPlace() {
        return compose()
                .add(new HorizontalFlip(0.5)).add(new VerticalFlip(0.5)).add(new RandomRotate90(0.5))
                .add(new ShiftScaleRotate(0.0625, 0.2, 15, 0.9))
                .oneOf(0.3, new HueSaturationValue(15, 25, 0, 0.5), new RandomBrightnessContrast(0.3, 0.3, 0.5))
                .build();
    }

    /**
     * The 23rd place (Chris Deotte, seed write-up): HorizontalFlip(0.5), VerticalFlip(0.5),
     * ShiftScaleRotate(shift 0, scale 0.15, rotate 25, p 0.75), CoarseDropout(16 holes of up to 64x64, p 0.5),
     * ColorJitter(0.25, 0.25, 0.25, 0.25, p 0.75), GridDistortion(5, 0.3, p 0.5), RandomCrop(768, 768).
     * ColorJitter is approximated by brightness-contrast(0.25, 0.25) and a hue shift of +-45 OpenCV units
     * (0.25 of the circle) with saturation +-64 (0.25 of 255) together with p 0.75.
     */
    public static Augmentation twentyThirdPlace() {
        return compose()
                .add(new HorizontalFlip(0.5)).add(new VerticalFlip(0.5))
                .add(new ShiftScaleRotate(0, 0.15, 25, 0.75))
                .add(CoarseDropout.of(16, 64, 0.5))
                .add(new Compose(List.of(new RandomBrightnessContrast(0.25, 0.25, 1),
                        new HueSaturationValue(45, 64, 0, 1)), 0.75))
                .add(new GridDistortion(5, 0.3, 0.5))
                .add(new RandomCrop(768, 768, 1))
                .build();
    }

    /**
     * The side of the tiles an augmentation returns for {@code side x side} input: the size of its
     * {@link RandomCrop}s (applied always) or the input side. Crops that may or may not apply ({@code p < 1}, inside a
     * {@link OneOf} or an optional {@link Compose}) would give tiles of varying size, which cannot be batched.
     *
     * @param a    the augmentation, or {@code null} for none
     * @param side input side
     * @return output side
     * @throws IllegalArgumentException for a non-square crop, a crop larger than its input, or an optional crop
     */
    public static int outputSide(Augmentation a, int side) {
        return outputSide(a, side, true);
    }

    private static int outputSide(Augmentation a, int side, boolean always) {
        if (a instanceof RandomCrop c) {
            if (c.height() != c.width()) {
                throw new IllegalArgumentException("RandomCrop " + c.height() + "x" + c.width() + " is not square");
            }
            if (c.height() > side) {
                throw new IllegalArgumentException("RandomCrop " + c.height() + "x" + c.width() + " is larger than the "
                        + side + "x" + side + " training tile");
            }
            if (!always || c.p() < 1) {
                throw new IllegalArgumentException("RandomCrop " + c.height() + "x" + c.width() + " applies only "
                        + "sometimes, so tiles would vary in size; use p 1 at the top level");
            }
            return c.height();
        }
        if (a instanceof Compose c) {
            int s = side;
            for (Augmentation child : c.children()) {
                s = outputSide(child, s, always && c.p() >= 1);
            }
            return s;
        }
        if (a instanceof OneOf o) {
            for (Augmentation child : o.children()) {
                if (outputSide(child, side, false) != side) {
                    throw new IllegalStateException("unreachable");
                }
            }
        }
        return side;
    }

    /**
     * A preset by name ({@link #PRESETS}).
     *
     * @throws IllegalArgumentException naming the unknown name and the valid ones
     */
    public static Augmentation preset(String name) {
        return switch (name == null ? "" : name) {
            case "none" -> none();
            case "flips" -> flips();
            case "light" -> light();
            case "third-place" -> thirdPlace();
            case "first-place" -> firstPlace();
            case "twenty-third-place" -> twentyThirdPlace();
            default -> throw new IllegalArgumentException("unknown augmentation preset '" + name + "'; valid: " + PRESETS);
        };
    }

    /** Builds a {@link Compose}; children in the order added. */
    public static final class Builder {
        private final List<Augmentation> children = new ArrayList<>();
        private double p = 1;

        private Builder() {
        }

        /** Appends an augmentation. */
        public Builder add(Augmentation a) {
            if (a == null) {
                throw new IllegalArgumentException("augmentation must not be null");
            }
            children.add(a);
            return this;
        }

        /** Appends a {@link OneOf} of the given children with probability {@code p}. */
        public Builder oneOf(double p, Augmentation... choices) {
            return add(new OneOf(List.of(choices), p));
        }

        /** The probability of the whole composition (default 1). */
        public Builder p(double p) {
            Checks.probability("Compose", p);
            this.p = p;
            return this;
        }

        /** The composition. */
        public Compose build() {
            return new Compose(children, p);
        }
    }
}
