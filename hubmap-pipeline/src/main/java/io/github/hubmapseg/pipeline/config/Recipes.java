package io.github.hubmapseg.pipeline.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads {@link Recipe}s: the shipped ones by name ({@link #NAMES}), or YAML / JSON files (JSON is YAML). A
 * recipe file is merged over {@code defaults.yaml} (so it only lists what it changes); unknown keys are errors
 * naming the key, its path and the valid keys, wrong types are errors naming the value; {@code key=value}
 * overrides ({@code train.epochs=3}, {@code infer.tta=[hflip,vflip]}) apply on top. Number-valued keys also
 * accept numbers written as strings (YAML 1.1 reads {@code 1e-4} without a dot as a string).
 */
public final class Recipes {

    /** Names of the shipped recipes; {@link Recipe#DEFAULT} first. */
    public static final List<String> NAMES = List.of("cpu-quick", "third-place", "first-place", "deepflash2-style",
            "twenty-third-place", "team-b", "tenth-place", "team-a");

    private static final String DIR = "/io/github/hubmapseg/pipeline/recipes/";
    private static final ObjectMapper YAML = YAMLMapper.builder(YAMLFactory.builder()
                    .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).build())
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();
    private static final JsonNode DEFAULTS = readResource("defaults.yaml");
    /** Keys earlier versions wrote into run folders and checkpoints, dropped by {@link #parseStored}. */
    static final List<String> RETIRED = List.of("model.depth", "infer.ensemble_members", "train.mixed_precision");

    private Recipes() {
    }

    /** The default recipe ({@code cpu-quick}). */
    public static Recipe defaultRecipe() {
        return builtin(Recipe.DEFAULT);
    }

    /**
     * A shipped recipe by name.
     *
     * @throws IllegalArgumentException naming the unknown name and the valid ones
     */
    public static Recipe builtin(String name) {
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown recipe '" + name + "'; shipped recipes: " + NAMES
                    + " (or give a path to a .yaml/.json file)");
        }
        KeyLedger keys = new KeyLedger();
        return bind(merge(readResource(name + ".yaml"), name + ".yaml", keys), name + ".yaml", keys);
    }

    /** A shipped recipe name, or else a path to a recipe file. */
    public static Recipe resolve(String nameOrPath) throws IOException {
        if (NAMES.contains(nameOrPath)) {
            return builtin(nameOrPath);
        }
        Path p = Path.of(nameOrPath);
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("recipe '" + nameOrPath + "' is neither a shipped recipe " + NAMES
                    + " nor an existing file");
        }
        return load(p);
    }

    /** Loads a recipe file (YAML or JSON). */
    public static Recipe load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "recipe file not found");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses recipe text (YAML or JSON); {@code origin} names it in error messages. */
    public static Recipe parse(String text, String origin) {
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": not valid YAML/JSON: " + e.getOriginalMessage(), e);
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            tree = YAML.createObjectNode();
        }
        KeyLedger keys = new KeyLedger();
        return bind(merge(tree, origin, keys), origin, keys);
    }

    /**
     * Parses a recipe a run stored ({@code recipe.yaml} of a run folder, a checkpoint's recipe): every key is
     * written there, and keys retired since ({@link #RETIRED}) are dropped instead of refused, so older run
     * folders and checkpoints still load.
     */
    public static Recipe parseStored(String text, String origin) {
        JsonNode tree;
        try {
            tree = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": not valid YAML/JSON: " + e.getOriginalMessage(), e);
        }
        if (tree instanceof ObjectNode o) {
            for (String retired : RETIRED) {
                String[] p = retired.split("\\.");
                if (o.get(p[0]) instanceof ObjectNode section) {
                    section.remove(p[1]);
                }
            }
        }
        return parse(tree == null ? "" : tree.toString(), origin);
    }

    /**
     * Fails when the recipe sets a key that nothing has read ({@link KeyLedger}): call it after the run, or the
     * part of it, that the recipe describes.
     *
     * @param recipe the recipe
     * @param what   what ran, for the message (e.g. "hubmap reproduce")
     * @throws IllegalArgumentException naming every unconsumed key
     */
    public static void requireConsumed(Recipe recipe, String what) {
        List<String> left = recipe.unconsumedKeys();
        if (!left.isEmpty()) {
            throw new IllegalArgumentException("recipe '" + recipe.name() + "' sets " + left + " but " + what
                    + " read none of " + (left.size() == 1 ? "it" : "them") + ": a key must change what runs (remove it,"
                    + " or say what it meant in notes)");
        }
    }

    /**
     * The same recipe with a ledger of its own that declares the same keys and has consumed none: a dry pass
     * over it ({@code RecipeCheck}) finds the keys a run would leave unread without marking them read in the
     * recipe the run uses.
     *
     * @param recipe the recipe
     * @return an equal recipe with a fresh ledger
     */
    public static Recipe detached(Recipe recipe) {
        ObjectNode tree = KeyLedger.quietly(() -> YAML.valueToTree(recipe));
        KeyLedger keys = new KeyLedger();
        keys.declareAll(recipe.keys());
        return bind(tree, "recipe " + recipe.name(), keys);
    }

    /**
     * Applies {@code key=value} overrides (dotted paths, values in YAML syntax) to a recipe.
     *
     * @throws IllegalArgumentException for a malformed override, an unknown key or a bad value
     */
    public static Recipe withOverrides(Recipe recipe, List<String> overrides) {
        ObjectNode tree = KeyLedger.quietly(() -> YAML.valueToTree(recipe));
        KeyLedger keys = recipe.keys();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("override must look like key=value (e.g. train.epochs=3), got '" + o + "'");
            }
            String key = o.substring(0, eq).trim();
            String raw = o.substring(eq + 1).trim();
            JsonNode value;
            try {
                value = raw.isEmpty() ? TextNode.valueOf("") : YAML.readTree(raw);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("override " + key + ": value '" + raw + "' is not valid YAML", e);
            }
            if (value == null || value.isMissingNode()) {
                value = TextNode.valueOf(raw);
            }
            String[] parts = key.split("\\.");
            ObjectNode parent = tree;
            JsonNode schema = DEFAULTS;
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < parts.length; i++) {
                String part = parts[i];
                JsonNode sub = schema.get(part);
                if (sub == null) {
                    throw unknownKey(part, path.toString(), schema, "override '" + o + "'");
                }
                if (i < parts.length - 1) {
                    if (!sub.isObject()) {
                        throw new IllegalArgumentException("override '" + o + "': " + path + (path.length() > 0 ? "." : "")
                                + part + " is a value, not a section");
                    }
                    parent = (ObjectNode) parent.get(part);
                    schema = sub;
                    path.append(path.length() > 0 ? "." : "").append(part);
                } else {
                    parent.set(part, value);
                    if (key.equals(MEMBERS)) { // the list is replaced: its old entries' keys are no longer set
                        keys.undeclareMembers();
                        checkMembers(value, "override '" + o + "'");
                        for (int m = 0; m < value.size(); m++) {
                            for (Iterator<String> k = value.get(m).fieldNames(); k.hasNext(); ) {
                                keys.declare(memberPrefix(m) + k.next());
                            }
                        }
                    }
                    keys.declare(key);
                }
            }
        }
        String origin = "overrides " + overrides;
        return bind(merge(tree, origin, null), origin, keys);
    }

    /** The recipe as YAML text (all keys, snake_case). */
    public static String toYaml(Recipe recipe) {
        return KeyLedger.quietly(() -> {
            try {
                return YAML.writeValueAsString(recipe);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise recipe " + recipe.name(), e);
            }
        });
    }

    /** Writes the recipe as YAML, atomically (e.g. into a run directory). */
    public static void save(Recipe recipe, Path target) throws IOException {
        AtomicFiles.writeString(target, toYaml(recipe));
    }

    /**
     * A key whose value differs between two recipes.
     *
     * @param key    dotted key ({@code model.base_channels})
     * @param before its value in the first recipe (YAML/JSON text)
     * @param after  its value in the second
     */
    public record Difference(String key, String before, String after) {
        @Override
        public String toString() {
            return key + " (" + before + " -> " + after + ")";
        }
    }

    /**
     * The keys whose values differ between two recipes (every key, also those left at their defaults), in key
     * order; {@code name}, {@code description}, {@code source} and {@code notes} included.
     *
     * @param a the first recipe (e.g. the one a run was trained with)
     * @param b the second
     * @return the differences, empty when the recipes describe the same run
     */
    public static List<Difference> differences(Recipe a, Recipe b) {
        java.util.TreeMap<String, JsonNode> fa = new java.util.TreeMap<>();
        java.util.TreeMap<String, JsonNode> fb = new java.util.TreeMap<>();
        flatten(KeyLedger.quietly(() -> YAML.valueToTree(a)), "", fa);
        flatten(KeyLedger.quietly(() -> YAML.valueToTree(b)), "", fb);
        TreeSet<String> keys = new TreeSet<>(fa.keySet());
        keys.addAll(fb.keySet());
        List<Difference> out = new ArrayList<>();
        for (String k : keys) {
            JsonNode x = fa.get(k);
            JsonNode y = fb.get(k);
            if (!same(x, y)) {
                out.add(new Difference(k, x == null ? "(absent)" : x.toString(), y == null ? "(absent)" : y.toString()));
            }
        }
        return out;
    }

    private static boolean same(JsonNode x, JsonNode y) {
        if (x == null || y == null) {
            return x == y;
        }
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue()) == 0;
        }
        return x.equals(y);
    }

    private static void flatten(JsonNode n, String path, Map<String, JsonNode> out) {
        if (n != null && n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), out);
            }
        } else {
            out.put(path, n);
        }
    }

    // ---------------------------------------------------------------------------------------------------

    private static JsonNode readResource(String name) {
        try (InputStream in = Recipes.class.getResourceAsStream(DIR + name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + DIR + name);
            }
            return YAML.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + DIR + name, e);
        }
    }

    /** The top-level key of the members list. */
    static final String MEMBERS = "members";
    /** Sections whose keys a member may set, and the single keys; everything else is the ensemble's or the run's. */
    private static final List<String> MEMBER_SECTIONS = List.of("data.", "model.", "train.");
    private static final java.util.Set<String> MEMBER_INFER = java.util.Set.of("infer.tile_size", "infer.reduce",
            "infer.expansion", "infer.overlap", "infer.blending", "infer.tta");
    private static final java.util.Set<String> NOT_MEMBER = java.util.Set.of("model.variants",
            "model.variant_encoder_weights", "train.stages");

    private static String memberPrefix(int i) {
        return MEMBERS + "[" + i + "].";
    }

    /**
     * One member of a recipe's {@code members} list as a recipe: the recipe with the member's keys applied and no
     * members of its own (what its folds train with and what its checkpoints store). Its ledger is the recipe's
     * seen through the member ({@link KeyLedger#member}): reading a key the member sets records
     * {@code members[i].KEY}, reading any other key records the recipe's own key.
     *
     * @param recipe a recipe with members
     * @param i      the member's index
     * @return the member's recipe
     * @throws IllegalArgumentException naming the member and the key when a value is refused
     */
    public static Recipe member(Recipe recipe, int i) {
        List<Map<String, Object>> ms = KeyLedger.quietly(() -> recipe.members());
        if (i < 0 || i >= ms.size()) {
            throw new IllegalArgumentException("recipe '" + recipe.name() + "' has " + ms.size() + " members, asked for "
                    + i);
        }
        return member(recipe, i, recipe.keys().member(memberPrefix(i), ms.get(i).keySet()));
    }

    private static Recipe member(Recipe recipe, int i, KeyLedger keys) {
        ObjectNode tree = KeyLedger.quietly(() -> YAML.valueToTree(recipe));
        JsonNode m = tree.get(MEMBERS).get(i);
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String[] parts = e.getKey().split("\\.");
            ObjectNode parent = tree;
            for (int k = 0; k < parts.length - 1; k++) {
                parent = (ObjectNode) parent.get(parts[k]);
            }
            parent.set(parts[parts.length - 1], e.getValue());
        }
        tree.set(MEMBERS, YAML.createArrayNode());
        String origin = "recipe " + recipe.name() + " " + memberPrefix(i).substring(0, memberPrefix(i).length() - 1);
        return bind(tree, origin, keys);
    }

    /**
     * Checks a {@code members} list: a list of mappings, each key a dotted recipe key a member may set, each value
     * of that key's type. Returns it.
     */
    private static JsonNode checkMembers(JsonNode v, String origin) {
        if (!v.isArray()) {
            throw wrongType(origin, MEMBERS, "a list of mappings of dotted keys (e.g. [{data.reduce: 2, infer.reduce: "
                    + "2}])", v);
        }
        for (int i = 0; i < v.size(); i++) {
            JsonNode m = v.get(i);
            String at = MEMBERS + "[" + i + "]";
            if (!m.isObject()) {
                throw wrongType(origin, at, "a mapping of dotted keys to values (e.g. {data.reduce: 2})", m);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                boolean allowed = (MEMBER_SECTIONS.stream().anyMatch(key::startsWith) || MEMBER_INFER.contains(key))
                        && !NOT_MEMBER.contains(key);
                JsonNode schema = DEFAULTS;
                for (String part : key.split("\\.")) {
                    schema = schema == null ? null : schema.get(part);
                }
                if (schema == null || schema.isObject()) {
                    throw new IllegalArgumentException(origin + ": " + at + " sets '" + key + "', which is not a "
                            + "recipe key (a member's keys are dotted, e.g. data.reduce)");
                }
                if (!allowed) {
                    throw new IllegalArgumentException(origin + ": " + at + " sets '" + key + "', which a member cannot"
                            + " set: members share cv, pseudo, post and the ensemble's infer keys (threshold, "
                            + "search_threshold, ensemble, vote_threshold, min_component_area); model.variants and "
                            + "train.stages are not member keys; a member may set data.*, model.*, train.* and "
                            + String.join(", ", new TreeSet<>(MEMBER_INFER)));
                }
                if (e.getValue() == null || e.getValue().isNull()) {
                    throw new IllegalArgumentException(origin + ": " + at + "." + key + " must not be null");
                }
                checkType(at + "." + key, schema, e.getValue(), origin);
            }
        }
        return v;
    }

    /** Checks keys and types of {@code tree} against the defaults and returns the defaults overlaid with it. */
    private static ObjectNode merge(JsonNode tree, String origin, KeyLedger declare) {
        if (!tree.isObject()) {
            throw new IllegalArgumentException(origin + ": a recipe must be a mapping of keys, got " + tree.getNodeType());
        }
        ObjectNode merged = DEFAULTS.deepCopy();
        overlay(merged, (ObjectNode) tree, DEFAULTS, "", origin, declare);
        return merged;
    }

    private static void overlay(ObjectNode target, ObjectNode src, JsonNode schema, String path, String origin,
                                KeyLedger declare) {
        Iterator<Map.Entry<String, JsonNode>> it = src.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            String full = path.isEmpty() ? key : path + "." + key;
            JsonNode expected = schema.get(key);
            if (expected == null) {
                throw unknownKey(key, path, schema, origin);
            }
            JsonNode v = e.getValue();
            if (v == null || v.isNull()) {
                throw new IllegalArgumentException(origin + ": " + full + " must not be null");
            }
            if (full.equals(MEMBERS)) {
                target.set(key, checkMembers(v, origin));
                if (declare != null && !v.isEmpty()) {
                    declare.declare(MEMBERS);
                    for (int i = 0; i < v.size(); i++) {
                        for (Iterator<String> k = v.get(i).fieldNames(); k.hasNext(); ) {
                            declare.declare(memberPrefix(i) + k.next());
                        }
                    }
                }
                continue;
            }
            if (expected.isObject()) {
                if (!v.isObject()) {
                    throw new IllegalArgumentException(origin + ": " + full + " must be a section (mapping) with keys "
                            + keys(expected) + ", got " + v);
                }
                overlay((ObjectNode) target.get(key), (ObjectNode) v, expected, full, origin, declare);
            } else {
                target.set(key, checkType(full, expected, v, origin));
                if (declare != null && !path.isEmpty()) {
                    declare.declare(full); // name, description, source, notes: documentation, never settings
                }
            }
        }
    }

    private static JsonNode checkType(String full, JsonNode expected, JsonNode v, String origin) {
        if (expected.isIntegralNumber()) {
            if (!v.isIntegralNumber()) {
                throw wrongType(origin, full, "an integer", v);
            }
        } else if (expected.isNumber()) {
            if (v.isTextual()) {
                try {
                    return DoubleNode.valueOf(Double.parseDouble(v.asText().trim()));
                } catch (NumberFormatException ex) {
                    throw wrongType(origin, full, "a number", v);
                }
            }
            if (!v.isNumber()) {
                throw wrongType(origin, full, "a number", v);
            }
        } else if (expected.isBoolean()) {
            if (!v.isBoolean()) {
                throw wrongType(origin, full, "true or false", v);
            }
        } else if (expected.isTextual()) {
            if (!v.isTextual()) {
                throw wrongType(origin, full, "a string", v);
            }
        } else if (expected.isArray()) {
            if (!v.isArray()) {
                throw wrongType(origin, full, "a list", v);
            }
        }
        return v;
    }

    private static IllegalArgumentException wrongType(String origin, String key, String what, JsonNode v) {
        return new IllegalArgumentException(origin + ": " + key + " must be " + what + ", got " + v);
    }

    private static IllegalArgumentException unknownKey(String key, String path, JsonNode schema, String origin) {
        return new IllegalArgumentException(origin + ": unknown key '" + key + "' at "
                + (path.isEmpty() ? "the top level" : "'" + path + "'") + "; valid keys there: " + keys(schema));
    }

    private static List<String> keys(JsonNode schema) {
        List<String> out = new ArrayList<>();
        schema.fieldNames().forEachRemaining(out::add);
        return new ArrayList<>(new TreeSet<>(out));
    }

    private static Recipe bind(ObjectNode tree, String origin, KeyLedger keys) {
        Recipe r = bindTree(tree, origin, keys);
        JsonNode ms = tree.get(MEMBERS);
        for (int i = 0; ms != null && i < ms.size(); i++) {
            member(r, i, new KeyLedger()); // each member's values are checked when the recipe is loaded
        }
        return r;
    }

    private static Recipe bindTree(ObjectNode tree, String origin, KeyLedger keys) {
        try {
            return KeyLedger.bindingInto(keys, () -> {
                try {
                    return YAML.treeToValue(tree, Recipe.class);
                } catch (JsonProcessingException e) {
                    throw new BindFailure(e);
                }
            });
        } catch (BindFailure f) {
            return rethrow(f.getCause(), origin);
        }
    }

    /** Carries a checked binding failure out of {@link KeyLedger#bindingInto}. */
    private static final class BindFailure extends RuntimeException {
        BindFailure(JsonProcessingException e) {
            super(e);
        }
    }

    private static Recipe rethrow(Throwable cause, String origin) {
        try {
            throw cause;
        } catch (JsonMappingException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String msg = root instanceof IllegalArgumentException ? root.getMessage()
                    : e.getPathReference() + ": " + e.getOriginalMessage();
            throw new IllegalArgumentException(origin + ": " + msg, root);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(origin + ": " + e.getOriginalMessage(), e);
        } catch (Throwable t) {
            throw new IllegalStateException(origin + ": " + t, t);
        }
    }
}
