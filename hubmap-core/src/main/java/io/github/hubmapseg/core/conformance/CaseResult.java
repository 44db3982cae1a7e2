package io.github.hubmapseg.core.conformance;

/**
 * The outcome of one conformance case.
 *
 * @param caseId        the case's {@code id} (prefixed with its section, e.g. {@code invalid/start_zero})
 * @param passed        whether the library matched the expected output at the stated tolerance
 * @param maxDifference the largest absolute difference seen (0 for exact comparisons that matched,
 *                      {@code NaN} where no number applies)
 * @param detail        a short reason for a failure, empty when passed
 */
public record CaseResult(String caseId, boolean passed, double maxDifference, String detail) {

    /** A passed case with its largest difference. */
    public static CaseResult pass(String caseId, double maxDifference) {
        return new CaseResult(caseId, true, maxDifference, "");
    }

    /** A failed case. */
    public static CaseResult fail(String caseId, double maxDifference, String detail) {
        return new CaseResult(caseId, false, maxDifference, detail);
    }

    /** Passes when {@code maxDifference <= tolerance} (NaN fails). */
    public static CaseResult within(String caseId, double maxDifference, double tolerance) {
        boolean ok = maxDifference <= tolerance;
        return new CaseResult(caseId, ok, maxDifference,
                ok ? "" : "largest difference " + maxDifference + " > tolerance " + tolerance);
    }
}
