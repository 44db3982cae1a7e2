package io.github.hubmapseg.core.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Set;

/**
 * Checks the library against one kind of golden-vector file (schema {@code hubmap-peers-golden/1}, see
 * {@code conformance/README.md}). Implementations live in the module that owns the algorithm and are
 * found with {@link java.util.ServiceLoader} ({@code META-INF/services/io.github.hubmapseg.core.conformance.ConformanceCheck}),
 * so the {@code hubmap conformance} runner knows every kind of every module on its class path.
 */
public interface ConformanceCheck {

    /** The values of the file's top-level {@code kind} field that this check handles. */
    Set<String> kinds();

    /**
     * Runs every case of the file at the file's tolerance.
     *
     * @param file the parsed JSON document
     * @return one result per case (a case that throws unexpectedly is a failed result, not an exception)
     */
    List<CaseResult> run(JsonNode file);
}
