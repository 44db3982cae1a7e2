package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.models.ModelPredictor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.hubmapseg.core.io.AtomicFiles;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A saved ensemble, {@code ensemble.json}: its members, each a checkpoint (path relative to the file's folder) with
 * its own inference settings, how they are combined and the threshold chosen for it (by out-of-fold search, or the
 * recipe's). {@link #open()} loads the members as predictors; {@link #settings} gives a member's effective
 * settings: its checkpoint's recipe, then the member's own keys, then the caller's overrides, never another
 * member's.
 *
 * <p>Format {@value #FORMAT_V2}: {@code {"format", "members": [{"checkpoint", "infer": {"reduce": 4, "tile_size":
 * 256, "tta": ["hflip", "vflip"], ...}, "weight": 1.0}, ...], "combine": "mean"|"vote:K"|null, "threshold",
 * "threshold_searched", "oof_dice"}}. Member keys: {@link #MEMBER_KEYS} (the recipe's {@code infer.} keys; {@code
 * tile} is accepted for {@code tile_size}) and {@code weight}. {@value #FORMAT_V1} files (members as a list of paths)
 * still load. {@code combine} null: the first member's recipe's {@code infer.ensemble} and {@code vote_threshold},
 * the ensemble-level settings with the threshold and {@code infer.min_component_area}.
 *
 * @param entries   the members
 * @param combine   {@code mean}, {@code vote:K}, or {@code null} (from the first member's recipe)
 * @param threshold mask threshold of the ensemble
 * @param searched  whether the threshold came from an out-of-fold search
 * @param oofDice   out-of-fold mean Dice at the threshold ({@code NaN} if unknown)
 */
public record Ensemble(List<Member> entries, String combine, double threshold, boolean searched, double oofDice) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The format written. */
    public static final String FORMAT_V2 = "hubmap-ensemble/2";
    /** The first format: members as a list of checkpoint paths. */
    public static final String FORMAT_V1 = "hubmap-ensemble/1";
    /** The recipe {@code infer.} keys a member may set. */
    public static final Set<String> MEMBER_KEYS = Set.of("reduce", "tile_size", "expansion", "overlap", "blending",
            "tta");

    /**
     * One member.
     *
     * @param checkpoint the checkpoint file
     * @param infer      the member's own {@code infer.} settings (key without the prefix to a YAML/JSON value); the
     *                   rest comes from its checkpoint's recipe
     * @param weight     its weight in the weighted mean, {@code > 0}
     */
    public record Member(Path checkpoint, Map<String, Object> infer, double weight) {
        /** Validates, naming the key or value that is wrong. */
        public Member {
            if (checkpoint == null) {
                throw new IllegalArgumentException("an ensemble member needs a checkpoint");
            }
            Map<String, Object> m = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : (infer == null ? Map.<String, Object>of() : infer).entrySet()) {
                String k = e.getKey().equals("tile") ? "tile_size" : e.getKey();
                if (!MEMBER_KEYS.contains(k)) {
                    throw new IllegalArgumentException("unknown member setting '" + e.getKey() + "' of " + checkpoint
                            + "; known: " + String.join(", ", new java.util.TreeSet<>(MEMBER_KEYS)) + ", weight");
                }
                m.put(k, e.getValue());
            }
            infer = java.util.Collections.unmodifiableMap(m);
            if (!(weight > 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("member weight must be a finite number > 0, got " + weight + " for "
                        + checkpoint);
            }
        }

        /** A member with no settings of its own and weight 1. */
        public static Member of(Path checkpoint) {
            return new Member(checkpoint, Map.of(), 1.0);
        }

        /**
         * Parses the command line's {@code CHECKPOINT[@key=value,...]}, e.g.
         * {@code fold-0/best.zip@reduce=4,tile=256,tta=hflip+vflip,weight=2} (poses joined by {@code +}).
         */
        public static Member parse(String spec) {
            int at = spec.indexOf('@');
            Path file = Path.of(at < 0 ? spec : spec.substring(0, at));
            Map<String, Object> infer = new LinkedHashMap<>();
            double weight = 1.0;
            if (at >= 0) {
                for (String kv : spec.substring(at + 1).split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("member setting must look like key=value, got '" + kv
                                + "' in '" + spec + "'");
                    }
                    String k = kv.substring(0, eq).trim();
                    String v = kv.substring(eq + 1).trim();
                    if (k.equals("weight")) {
                        try {
                            weight = Double.parseDouble(v);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("member weight must be a number, got '" + v + "' in '"
                                    + spec + "'");
                        }
                    } else if (k.equals("tta")) {
                        infer.put(k, v.isEmpty() || v.equals("none") ? List.of() : List.of(v.split("\\+")));
                    } else if (k.equals("blending")) {
                        infer.put(k, v);
                    } else {
                        try {
                            infer.put(k, Integer.parseInt(v));
                        } catch (NumberFormatException e) {
                            infer.put(k, v); // refused below with the key's name, or by the recipe's check
                        }
                    }
                }
            }
            return new Member(file, infer, weight);
        }

        /** The member's settings as {@code infer.KEY=VALUE} overrides. */
        public List<String> overrides() {
            List<String> o = new ArrayList<>();
            for (Map.Entry<String, Object> e : infer.entrySet()) {
                Object v = e.getValue();
                String s = v instanceof List<?> l ? "[" + String.join(",", l.stream().map(Object::toString).toList())
                        + "]" : v.toString();
                o.add("infer." + e.getKey() + "=" + s);
            }
            return o;
        }
    }

    /** Validates. */
    public Ensemble {
        if (entries == null || entries.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        if (combine != null) {
            voteK(combine, entries.size());
        }
        entries = List.copyOf(entries);
    }

    /** A v1-style ensemble: members without settings of their own, combined as their first recipe says. */
    public Ensemble(List<Path> members, double threshold, boolean searched, double oofDice) {
        this(members.stream().map(Member::of).toList(), null, threshold, searched, oofDice);
    }

    /** @return the members' checkpoint files */
    public List<Path> members() {
        return entries.stream().map(Member::checkpoint).toList();
    }

    /**
     * The k of {@code vote:K}, 0 for {@code mean}.
     *
     * @throws IllegalArgumentException naming the value when it is neither
     */
    public static int voteK(String combine, int members) {
        if (combine.equals("mean")) {
            return 0;
        }
        if (combine.startsWith("vote:")) {
            try {
                int k = Integer.parseInt(combine.substring(5));
                if (k >= 1 && k <= members) {
                    return k;
                }
            } catch (NumberFormatException e) {
                // named below
            }
        }
        throw new IllegalArgumentException("combine must be mean or vote:K with 1 <= K <= " + members
                + " (the number of members), got '" + combine + "'");
    }

    /**
     * The recipe a member's checkpoint was trained with; a model imported from PyTorch weights has none: the
     * default recipe.
     */
    public static Recipe recipeOf(Path checkpoint) throws IOException {
        return ModelPredictors.isImported(checkpoint) ? Recipes.defaultRecipe() : Checkpoint.load(checkpoint).recipe();
    }

    /**
     * A member's effective inference settings: its OWN checkpoint's recipe, then its own keys, then
     * {@code overrides} ({@code infer.KEY=VALUE}, e.g. the command line's {@code --set}).
     */
    public Recipe.Infer settings(int member, List<String> overrides) throws IOException {
        Member m = entries.get(member);
        Recipe r = recipeOf(m.checkpoint());
        List<String> o = new ArrayList<>(m.overrides());
        o.addAll(overrides);
        try {
            return o.isEmpty() ? r.infer() : Recipes.withOverrides(r, o).infer();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("member " + member + " (" + m.checkpoint() + "): " + e.getMessage(), e);
        }
    }

    /**
     * The ensemble-level settings ({@code infer.ensemble}, {@code infer.vote_threshold},
     * {@code infer.min_component_area}): the first member's checkpoint's recipe, then {@link #combine()} when set,
     * then {@code overrides}.
     */
    public Recipe.Infer ensembleSettings(List<String> overrides) throws IOException {
        return ensembleRecipe(overrides).infer();
    }

    /**
     * The recipe of the ensemble-level settings (the first member's checkpoint's recipe, {@link #combine()}, then
     * {@code overrides}): its {@code infer} ensemble keys and its {@code post} section.
     */
    public Recipe ensembleRecipe(List<String> overrides) throws IOException {
        Recipe r = recipeOf(entries.get(0).checkpoint());
        List<String> o = new ArrayList<>();
        if (combine != null) {
            int k = voteK(combine, entries.size());
            o.add("infer.ensemble=" + (k == 0 ? "mean" : "vote"));
            if (k > 0) {
                o.add("infer.vote_threshold=" + k);
            }
        }
        o.addAll(overrides);
        return o.isEmpty() ? r : Recipes.withOverrides(r, o);
    }

    /**
     * The inference of this ensemble: every member with its effective settings ({@link #settings}) and weight,
     * combined as {@link #ensembleSettings} says.
     *
     * @param overrides {@code infer.KEY=VALUE} applied to every member and to the ensemble-level settings
     * @param threshold the mask threshold, or {@code null} for the ensemble's
     */
    public Inference inference(List<String> overrides, Double threshold, io.github.hubmapseg.tiling.ProgressListener
            progress) throws IOException {
        List<Recipe.Infer> s = new ArrayList<>();
        double[] w = new double[entries.size()];
        for (int i = 0; i < entries.size(); i++) {
            s.add(settings(i, overrides));
            w[i] = entries.get(i).weight();
        }
        return new Inference(s, w, ensembleSettings(overrides), threshold == null ? this.threshold : threshold,
                progress);
    }

    /** One line per member: its checkpoint and effective settings ({@link #settings}). */
    public List<String> describe(List<String> overrides) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Recipe.Infer f = settings(i, overrides);
            Member m = entries.get(i);
            lines.add(String.format(Locale.ROOT, "member %d: %s: reduce %d, tile %d, expansion %d, overlap %d, %s "
                            + "blending, tta %s, weight %s%s", i, m.checkpoint(), f.reduce(), f.tileSize(),
                    f.expansion(), f.overlap(), f.blending(), f.tta(), m.weight(),
                    m.infer().isEmpty() ? " (all from its checkpoint's recipe)"
                            : " (own: " + String.join(", ", m.infer().keySet()) + ")"));
        }
        return lines;
    }

    /**
     * Loads every member.
     *
     * @return predictors; close each
     * @throws IOException if a checkpoint cannot be read
     */
    public List<ModelPredictor> open() throws IOException {
        List<ModelPredictor> p = new ArrayList<>();
        try {
            for (Member m : entries) {
                p.add(ModelPredictors.load(m.checkpoint()));
            }
        } catch (IOException | RuntimeException e) {
            p.forEach(ModelPredictor::close);
            throw e;
        }
        return p;
    }

    /**
     * Writes {@code ensemble.json} ({@value #FORMAT_V2}) atomically.
     *
     * @param target the file
     * @throws IOException on failure
     */
    public void save(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT_V2);
        ArrayNode ms = root.putArray("members");
        for (Member m : entries) {
            ObjectNode o = ms.addObject();
            o.put("checkpoint", dir.relativize(m.checkpoint().toAbsolutePath()).toString());
            o.set("infer", JSON.valueToTree(m.infer()));
            o.put("weight", m.weight());
        }
        if (combine == null) {
            root.putNull("combine");
        } else {
            root.put("combine", combine);
        }
        root.put("threshold", threshold);
        root.put("threshold_searched", searched);
        if (Double.isNaN(oofDice)) {
            root.putNull("oof_dice");
        } else {
            root.put("oof_dice", oofDice);
        }
        AtomicFiles.writeString(target, JSON.writeValueAsString(root));
    }

    /**
     * What the command line takes as {@code --ensemble}: an {@code ensemble.json} ({@link #load(Path)}), or one
     * checkpoint {@code .zip} as a one-member ensemble at threshold 0.5 (not searched).
     *
     * @param file {@code ensemble.json} or a checkpoint {@code .zip}
     * @return the ensemble
     * @throws IOException if an ensemble file cannot be read
     */
    public static Ensemble ofFile(Path file) throws IOException {
        return file.toString().endsWith(".zip") ? new Ensemble(List.of(file), 0.5, false, Double.NaN) : load(file);
    }

    /**
     * Reads {@code ensemble.json}, {@value #FORMAT_V2} or {@value #FORMAT_V1}.
     *
     * @param file the file
     * @return the ensemble
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException naming the field when the content is wrong
     */
    public static Ensemble load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("ensemble file " + file + " does not exist");
        }
        JsonNode root;
        try {
            root = JSON.readTree(io.github.hubmapseg.core.io.TextFiles.readString(file, 1 << 24));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IllegalArgumentException(file + (loc == null ? "" : " line " + loc.getLineNr() + ", column "
                    + loc.getColumnNr()) + ": not valid JSON: " + String.valueOf(e.getOriginalMessage())
                    .replaceAll("\\s*\\R\\s*", " "));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object with members and threshold, got "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        String format = root.path("format").asText(FORMAT_V1);
        if (!format.equals(FORMAT_V1) && !format.equals(FORMAT_V2)) {
            throw new IllegalArgumentException(file + ": unknown ensemble format '" + format + "'; known: " + FORMAT_V1
                    + ", " + FORMAT_V2);
        }
        Path dir = file.toAbsolutePath().getParent();
        JsonNode ms = root.path("members");
        if (!ms.isArray() || ms.isEmpty()) {
            throw new IllegalArgumentException(file + ": members must be a non-empty list of checkpoint paths (or "
                    + "member objects), got " + shown(ms));
        }
        List<Member> members = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            if (m.isTextual()) {
                members.add(Member.of(dir.resolve(m.asText()).normalize()));
                continue;
            }
            if (!m.isObject() || !m.path("checkpoint").isTextual()) {
                throw new IllegalArgumentException(file + ": $.members[" + i + "] must be a path or an object with "
                        + "\"checkpoint\"");
            }
            Map<String, Object> infer = new LinkedHashMap<>();
            JsonNode in = m.path("infer");
            if (!in.isMissingNode() && !in.isNull()) {
                if (!in.isObject()) {
                    throw new IllegalArgumentException(file + ": $.members[" + i + "].infer must be an object");
                }
                for (Iterator<Map.Entry<String, JsonNode>> it = in.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    infer.put(e.getKey(), JSON.treeToValue(e.getValue(), Object.class));
                }
            }
            for (Iterator<String> it = m.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!Set.of("checkpoint", "infer", "weight").contains(k)) {
                    throw new IllegalArgumentException(file + ": $.members[" + i + "]." + k + " is not a member field "
                            + "(checkpoint, infer, weight)");
                }
            }
            double weight = m.has("weight") ? m.path("weight").asDouble(Double.NaN) : 1.0;
            try {
                members.add(new Member(dir.resolve(m.path("checkpoint").asText()).normalize(), infer, weight));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ": $.members[" + i + "]: " + e.getMessage(), e);
            }
        }
        double threshold = number(file, root, "threshold", false);
        double oof = number(file, root, "oof_dice", true);
        JsonNode searched = root.path("threshold_searched");
        if (!searched.isMissingNode() && !searched.isBoolean()) {
            throw new IllegalArgumentException(file + ": threshold_searched must be true or false, got "
                    + shown(searched));
        }
        JsonNode c = root.path("combine");
        if (!c.isMissingNode() && !c.isNull() && !c.isTextual()) {
            throw new IllegalArgumentException(file + ": combine must be \"mean\" or \"vote:K\", got " + shown(c));
        }
        try {
            return new Ensemble(members, c.isTextual() ? c.asText().toLowerCase(Locale.ROOT) : null, threshold,
                    searched.asBoolean(false), oof);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** A number field in [0, 1] ({@code NaN} when optional and absent or null), or an error naming it. */
    private static double number(Path file, JsonNode m, String key, boolean optional) {
        JsonNode v = m.path(key);
        if (optional && (v.isMissingNode() || v.isNull())) {
            return Double.NaN;
        }
        if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 1)) {
            throw new IllegalArgumentException(file + ": " + key + " must be a number in [0, 1], got " + shown(v)
                    + (v.isTextual() ? " (a string: write it without quotes)" : ""));
        }
        return v.asDouble();
    }

    private static String shown(JsonNode v) {
        String s = v.isMissingNode() ? "nothing" : v.toString().replaceAll("\\p{Cntrl}", "?");
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
