package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.conformance.CaseResult;
import io.github.hubmapseg.core.conformance.Conformance;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code hubmap conformance FILE...}: checks the library against golden-vector files. Prints one line per
 * failing case (file, case id, largest difference, reason) and ends with exactly {@code N passed, N failed};
 * exits 0 only when nothing failed.
 */
@Command(name = "conformance", mixinStandardHelpOptions = true,
        description = "Check the library against conformance files (schema hubmap-peers-golden/1).")
final class ConformanceCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Conformance JSON files.")
    List<Path> files;

    @CommandLine.Option(names = {"-a", "--all"}, description = "Also print passing cases.")
    boolean all;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long passed = 0;
        long failed = 0;
        for (Path f : files) {
            Conformance.FileReport report = Conformance.run(f);
            for (CaseResult r : report.results()) {
                if (!r.passed()) {
                    out.printf("FAIL %s [%s] %s: largest difference %s%s%n", f, report.kind(), r.caseId(),
                            r.maxDifference(), r.detail().isEmpty() ? "" : " (" + r.detail() + ")");
                } else if (all) {
                    out.printf("ok   %s [%s] %s: largest difference %s%n", f, report.kind(), r.caseId(), r.maxDifference());
                }
            }
            passed += report.passed();
            failed += report.failed();
        }
        out.println(passed + " passed, " + failed + " failed");
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}
