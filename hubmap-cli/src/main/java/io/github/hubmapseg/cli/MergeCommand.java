package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.FolderLock;
import io.github.hubmapseg.pipeline.cohort.CohortAssembly;
import io.github.hubmapseg.pipeline.cohort.CohortReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap merge}: a cohort's submission and report assembled from the folders of its shards. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Assemble OUT/submission.csv (in the cohort's order: the sample submission's for a competition "
                + "folder), OUT/report.txt and OUT/cohort.json from the per-slide units of 'hubmap predict --out-dir "
                + "DIR --shard I/N' folders. Refuses folders of other models, settings or cohorts, and names the "
                + "slides no folder has finished. The submission is byte-identical to an unsharded run's."})
final class MergeCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder of the merged files.")
    Path out;

    @Parameters(paramLabel = "SHARD_DIR", arity = "1..*", description = "Output folders of the shards.")
    List<Path> shards = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Path dir = out.toAbsolutePath();
        CohortReport r;
        try (FolderLock lock = FolderLock.acquire(dir, "hubmap merge --out " + dir)) {
            r = CohortAssembly.assemble(shards.stream().map(Path::toAbsolutePath).toList(), dir);
        }
        for (String line : r.lines()) {
            pw.println(line);
        }
        pw.println("wrote " + dir.resolve(CohortAssembly.SUBMISSION) + " and " + dir.resolve(CohortAssembly.REPORT));
        pw.flush();
        return 0;
    }
}
