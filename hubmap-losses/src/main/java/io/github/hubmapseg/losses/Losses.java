package io.github.hubmapseg.losses;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Entry point of the segmentation losses: named factories and the parser of loss specifications used by
 * the command line and configuration files.
 *
 * <p>Syntax: {@code term ('+' term)*}, {@code term = [weight '*'] name ['(' key=value (',' key=value)* ')']},
 * case-insensitive, spaces ignored. Examples: {@code "bce+lovasz"} (1st place), {@code "dice"},
 * {@code "0.5*bce+0.5*dice"}, {@code "bce+jaccard"} (23rd place, segmentation_models' {@code bce_jaccard_loss}),
 * {@code "focal(gamma=2,alpha=0.25)"}, {@code "bce(pos_weight=3,smoothing=0.1)"}.
 * {@code ce} / {@code cross_entropy} name BCE too: for one foreground class, a two-class softmax
 * cross-entropy on logits {@code (0, z)} is exactly BCE on {@code z} (the 10th place's "Dice-CrossEntropy" is
 * {@code dice+ce}). The names of the conformance file ({@code bce_with_logits}, {@code soft_dice_batch},
 * {@code lovasz_hinge_per_image}, {@code focal_gamma2_alpha0.25}, ...) are accepted too. A wrong name or
 * parameter fails with the list of valid ones.
 */
public final class Losses {

    private Losses() {
    }

    /** Mean BCE with logits. */
    public static BceWithLogits bce() {
        return BceWithLogits.plain();
    }

    /** Mean BCE with logits, PyTorch {@code pos_weight} and label smoothing ε (targets ε/2, 1-ε/2). */
    public static BceWithLogits bce(double posWeight, double labelSmoothing) {
        return new BceWithLogits(posWeight, labelSmoothing);
    }

    /** Soft Dice, smooth 1, pooled over the batch. */
    public static SoftDice dice() {
        return new SoftDice(1.0, false);
    }

    /** Soft Dice, smooth 1, per image and averaged. */
    public static SoftDice dicePerImage() {
        return new SoftDice(1.0, true);
    }

    /** Lovász hinge per image, averaged over the batch (Berman's default). */
    public static LovaszHinge lovasz() {
        return new LovaszHinge(true);
    }

    /** Lovász hinge over all pixels of the batch as one group. */
    public static LovaszHinge lovaszBatch() {
        return new LovaszHinge(false);
    }

    /** Focal loss with γ and no α. */
    public static Focal focal(double gamma) {
        return new Focal(gamma, Double.NaN);
    }

    /** Focal loss with γ and α. */
    public static Focal focal(double gamma, double alpha) {
        return new Focal(gamma, alpha);
    }

    /** {@code Σ weights[k] * losses[k]}. */
    public static WeightedSum sum(double[] weights, SegLoss... losses) {
        if (weights.length != losses.length) {
            throw new IllegalArgumentException("need one weight per loss, got " + weights.length + " weights for "
                    + losses.length + " losses");
        }
        List<WeightedSum.Term> terms = new ArrayList<>();
        for (int i = 0; i < losses.length; i++) {
            terms.add(new WeightedSum.Term(weights[i], losses[i]));
        }
        return new WeightedSum(terms);
    }

    /** {@code Σ losses[k]} with weight 1 each. */
    public static WeightedSum sum(SegLoss... losses) {
        double[] w = new double[losses.length];
        java.util.Arrays.fill(w, 1.0);
        return sum(w, losses);
    }

    /** A named loss family: its default parameters and how to build it from them. */
    private record Family(Map<String, Double> defaults, Function<Map<String, Double>, SegLoss> build) {
    }

    private static final Map<String, Family> NAMES = new LinkedHashMap<>();

    static {
        Family bce = new Family(params("pos_weight", 1.0, "smoothing", 0.0),
                p -> new BceWithLogits(p.get("pos_weight"), p.get("smoothing")));
        NAMES.put("bce", bce);
        NAMES.put("bce_with_logits", bce);
        // two-class softmax cross-entropy on (0, z) equals BCE on z: "ce" of the binary write-ups
        NAMES.put("ce", bce);
        NAMES.put("cross_entropy", bce);
        for (boolean perImage : new boolean[] {false, true}) {
            Family dice = new Family(params("smooth", 1.0, "per_image", perImage ? 1.0 : 0.0),
                    p -> new SoftDice(p.get("smooth"), flag(p, "per_image")));
            Family lov = new Family(params("per_image", perImage ? 1.0 : 0.0),
                    p -> new LovaszHinge(flag(p, "per_image")));
            if (perImage) {
                NAMES.put("dice_per_image", dice);
                NAMES.put("soft_dice_per_image", dice);
                NAMES.put("lovasz", lov);
                NAMES.put("lovasz_per_image", lov);
                NAMES.put("lovasz_hinge", lov);
                NAMES.put("lovasz_hinge_per_image", lov);
            } else {
                NAMES.put("dice", dice);
                NAMES.put("soft_dice", dice);
                NAMES.put("soft_dice_batch", dice);
                NAMES.put("lovasz_batch", lov);
                NAMES.put("lovasz_hinge_batch", lov);
            }
        }
        // segmentation_models (Keras) JaccardLoss: 23rd place's bce_jaccard_loss = "bce+jaccard"
        for (boolean perImage : new boolean[] {false, true}) {
            Family jac = new Family(params("smooth", SoftJaccard.SM_SMOOTH, "per_image", perImage ? 1.0 : 0.0),
                    p -> new SoftJaccard(p.get("smooth"), flag(p, "per_image")));
            NAMES.put(perImage ? "jaccard_per_image" : "jaccard", jac);
            NAMES.put(perImage ? "soft_jaccard_per_image" : "soft_jaccard", jac);
        }
        Family focal = new Family(params("gamma", 2.0, "alpha", Double.NaN),
                p -> new Focal(p.get("gamma"), p.get("alpha")));
        NAMES.put("focal", focal);
        NAMES.put("focal_gamma2", focal);
        NAMES.put("focal_gamma2_alpha0.25", new Family(params("gamma", 2.0, "alpha", 0.25),
                p -> new Focal(p.get("gamma"), p.get("alpha"))));
    }

    private static Map<String, Double> params(Object... kv) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Double) kv[i + 1]);
        }
        return m;
    }

    private static boolean flag(Map<String, Double> p, String key) {
        double v = p.get(key);
        if (v != 0 && v != 1) {
            throw new IllegalArgumentException(key + " must be true or false, got " + v);
        }
        return v == 1;
    }

    /** Every loss name the parser accepts, sorted. */
    public static Set<String> names() {
        return new TreeSet<>(NAMES.keySet());
    }

    /** One loss by name with its default parameters (see {@link #names()}). */
    public static SegLoss byName(String name) {
        return parse(name);
    }

    /**
     * Parses a loss specification such as {@code "bce+lovasz"}, {@code "dice"} or {@code "0.5*bce+0.5*dice"}.
     * A single unweighted term gives that loss itself; anything else a {@link WeightedSum}.
     *
     * @throws IllegalArgumentException naming the bad part and listing the valid names or parameters
     */
    public static SegLoss parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("loss specification must not be empty; valid names: " + names());
        }
        String s = spec.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
        List<String> parts = splitTerms(s, spec);
        List<WeightedSum.Term> terms = new ArrayList<>();
        for (String part : parts) {
            terms.add(term(part, spec));
        }
        if (terms.size() == 1 && terms.get(0).weight() == 1.0) {
            return terms.get(0).loss();
        }
        return new WeightedSum(terms);
    }

    private static List<String> splitTerms(String s, String spec) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
                if (depth < 0) {
                    throw new IllegalArgumentException("unbalanced ')' in loss specification '" + spec + "'");
                }
            } else if (c == '+' && depth == 0 && !(i > 0 && (s.charAt(i - 1) == 'e') && i > 1
                    && Character.isDigit(s.charAt(i - 2)))) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) {
            throw new IllegalArgumentException("unbalanced '(' in loss specification '" + spec + "'");
        }
        parts.add(s.substring(start));
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException("empty term in loss specification '" + spec
                        + "' (expected name or weight*name joined by '+')");
            }
        }
        return parts;
    }

    private static WeightedSum.Term term(String part, String spec) {
        double weight = 1.0;
        String rest = part;
        int star = part.indexOf('*');
        if (star >= 0 && (part.indexOf('(') < 0 || star < part.indexOf('('))) {
            String w = part.substring(0, star);
            try {
                weight = Double.parseDouble(w);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad weight '" + w + "' in loss specification '" + spec
                        + "' (expected a number before '*')");
            }
            if (!Double.isFinite(weight)) {
                throw new IllegalArgumentException("loss weight must be finite, got '" + w + "' in '" + spec + "'");
            }
            rest = part.substring(star + 1);
        }
        String name = rest;
        String args = null;
        int open = rest.indexOf('(');
        if (open >= 0) {
            if (!rest.endsWith(")")) {
                throw new IllegalArgumentException("bad term '" + part + "' in loss specification '" + spec
                        + "' (expected name(key=value,...))");
            }
            name = rest.substring(0, open);
            args = rest.substring(open + 1, rest.length() - 1);
        }
        Family family = NAMES.get(name);
        if (family == null) {
            throw new IllegalArgumentException("unknown loss '" + name + "' in '" + spec + "'; valid names: "
                    + names());
        }
        Map<String, Double> p = new LinkedHashMap<>(family.defaults());
        if (args != null && !args.isEmpty()) {
            for (String kv : args.split(",")) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("bad parameter '" + kv + "' of loss '" + name + "' in '" + spec
                            + "' (expected key=value; parameters: " + family.defaults().keySet() + ")");
                }
                String key = kv.substring(0, eq);
                String val = kv.substring(eq + 1);
                if (!p.containsKey(key)) {
                    throw new IllegalArgumentException("unknown parameter '" + key + "' of loss '" + name + "' in '"
                            + spec + "'; parameters: " + family.defaults().keySet());
                }
                double v;
                if (val.equals("true")) {
                    v = 1;
                } else if (val.equals("false")) {
                    v = 0;
                } else {
                    try {
                        v = Double.parseDouble(val);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("parameter " + key + " of loss '" + name
                                + "' must be a number, got '" + val + "' in '" + spec + "'");
                    }
                }
                p.put(key, v);
            }
        }
        return new WeightedSum.Term(weight, family.build().apply(p));
    }
}
