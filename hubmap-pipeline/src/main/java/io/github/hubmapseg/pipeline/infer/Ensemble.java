package io.github.hubmapseg.pipeline.infer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A saved ensemble: member checkpoints (paths relative to the file's folder) and the threshold chosen for it
 * (by out-of-fold search, or the recipe's), as {@code ensemble.json}. {@link #open()} loads the members as
 * predictors.
 *
 * @param members   checkpoint files
 * @param threshold mask threshold of the ensemble
 * @param searched  whether the threshold came from an out-of-fold search
 * @param oofDice   out-of-fold mean Dice at the threshold ({@code NaN} if unknown)
 */
public record Ensemble(List<Path> members, double threshold, boolean searched, double oofDice) {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Validates. */
    public Ensemble {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one member");
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("threshold must be in [0, 1], got " + threshold);
        }
        members = List.copyOf(members);
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
            for (Path m : members) {
                p.add(ModelPredictor.load(m));
            }
        } catch (IOException | RuntimeException e) {
            p.forEach(ModelPredictor::close);
            throw e;
        }
        return p;
    }

    /**
     * Writes {@code ensemble.json} atomically.
     *
     * @param target the file
     * @throws IOException on failure
     */
    public void save(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "hubmap-ensemble/1");
        List<String> rel = new ArrayList<>();
        for (Path p : members) {
            rel.add(dir.relativize(p.toAbsolutePath()).toString());
        }
        m.put("members", rel);
        m.put("threshold", threshold);
        m.put("threshold_searched", searched);
        m.put("oof_dice", Double.isNaN(oofDice) ? null : oofDice);
        AtomicFiles.writeString(target, JSON.writeValueAsString(m));
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
     * Reads {@code ensemble.json}.
     *
     * @param file the file
     * @return the ensemble
     * @throws IOException if it cannot be read
     */
    public static Ensemble load(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("ensemble file " + file + " does not exist");
        }
        com.fasterxml.jackson.databind.JsonNode m;
        try {
            m = JSON.readTree(io.github.hubmapseg.core.io.TextFiles.readString(file, 1 << 24));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var loc = e.getLocation();
            throw new IllegalArgumentException(file + (loc == null ? "" : " line " + loc.getLineNr() + ", column "
                    + loc.getColumnNr()) + ": not valid JSON: " + String.valueOf(e.getOriginalMessage())
                    .replaceAll("\\s*\\R\\s*", " "));
        }
        if (m == null || !m.isObject()) {
            throw new IllegalArgumentException(file + ": expected a JSON object with members and threshold, got "
                    + (m == null ? "nothing" : m.getNodeType()));
        }
        Path dir = file.toAbsolutePath().getParent();
        List<Path> members = new ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode list = m.path("members");
        if (!list.isArray() || list.isEmpty()) {
            throw new IllegalArgumentException(file + ": members must be a non-empty list of checkpoint paths, got "
                    + shown(list));
        }
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isTextual()) {
                throw new IllegalArgumentException(file + ": members[" + i + "] must be a path (a string), got "
                        + shown(list.get(i)));
            }
            members.add(dir.resolve(list.get(i).asText()).normalize());
        }
        double threshold = number(file, m, "threshold", false);
        double oof = number(file, m, "oof_dice", true);
        com.fasterxml.jackson.databind.JsonNode searched = m.path("threshold_searched");
        if (!searched.isMissingNode() && !searched.isBoolean()) {
            throw new IllegalArgumentException(file + ": threshold_searched must be true or false, got "
                    + shown(searched));
        }
        return new Ensemble(members, threshold, searched.asBoolean(false), oof);
    }

    /** A number field in [0, 1] ({@code NaN} when optional and absent or null), or an error naming it. */
    private static double number(Path file, com.fasterxml.jackson.databind.JsonNode m, String key, boolean optional) {
        com.fasterxml.jackson.databind.JsonNode v = m.path(key);
        if (optional && (v.isMissingNode() || v.isNull())) {
            return Double.NaN;
        }
        if (!v.isNumber() || !(v.asDouble() >= 0 && v.asDouble() <= 1)) {
            throw new IllegalArgumentException(file + ": " + key + " must be a number in [0, 1], got " + shown(v)
                    + (v.isTextual() ? " (a string: write it without quotes)" : ""));
        }
        return v.asDouble();
    }

    private static String shown(com.fasterxml.jackson.databind.JsonNode v) {
        String s = v.isMissingNode() ? "nothing" : v.toString().replaceAll("\\p{Cntrl}", "?");
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
