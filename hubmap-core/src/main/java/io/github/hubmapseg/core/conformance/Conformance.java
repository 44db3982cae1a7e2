package io.github.hubmapseg.core.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Runs conformance files against every {@link ConformanceCheck} on the class path.
 * A file whose {@code kind} no check handles counts all its cases as failed, with that reason.
 */
public final class Conformance {

    private Conformance() {
    }

    /** The report for one file: its kind and a result per case. */
    public record FileReport(Path file, String kind, List<CaseResult> results) {
        /** Number of passed cases. */
        public long passed() {
            return results.stream().filter(CaseResult::passed).count();
        }

        /** Number of failed cases. */
        public long failed() {
            return results.size() - passed();
        }
    }

    /** All checks found by the {@link ServiceLoader} of this class's loader. */
    public static List<ConformanceCheck> checks() {
        List<ConformanceCheck> out = new ArrayList<>();
        ServiceLoader.load(ConformanceCheck.class, Conformance.class.getClassLoader()).forEach(out::add);
        return out;
    }

    /** Every kind handled by the checks on the class path, sorted. */
    public static List<String> knownKinds() {
        TreeSet<String> kinds = new TreeSet<>();
        for (ConformanceCheck c : checks()) {
            kinds.addAll(c.kinds());
        }
        return new ArrayList<>(kinds);
    }

    /** Reads and parses a conformance file. */
    public static JsonNode read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "conformance file not found");
        }
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("not a JSON conformance file: " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs one file. */
    public static FileReport run(Path file) throws IOException {
        JsonNode root = read(file);
        JsonNode kindNode = root.get("kind");
        if (kindNode == null || !kindNode.isTextual()) {
            throw new IOException("conformance file " + file + " has no 'kind' field (expected schema hubmap-peers-golden/1)");
        }
        String kind = kindNode.asText();
        for (ConformanceCheck check : checks()) {
            if (check.kinds().contains(kind)) {
                return new FileReport(file, kind, check.run(root));
            }
        }
        List<CaseResult> failed = new ArrayList<>();
        String reason = "kind '" + kind + "' is not implemented (known kinds: " + knownKinds() + ")";
        for (String section : List.of("cases", "decode_only", "invalid", "mean_dice_groups", "large_summaries")) {
            JsonNode arr = root.get(section);
            if (arr != null && arr.isArray()) {
                for (JsonNode c : arr) {
                    String id = c.has("id") ? c.get("id").asText() : "?";
                    failed.add(CaseResult.fail(("cases".equals(section) ? "" : section + "/") + id, Double.NaN, reason));
                }
            }
        }
        if (failed.isEmpty()) {
            failed.add(CaseResult.fail("(file)", Double.NaN, reason));
        }
        return new FileReport(file, kind, failed);
    }
}
