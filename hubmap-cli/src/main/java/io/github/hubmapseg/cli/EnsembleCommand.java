package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.infer.Ensemble;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap ensemble}: writes an {@code ensemble.json} (format 2) of members with their own settings. */
@Command(name = "ensemble", mixinStandardHelpOptions = true,
        description = {"Write an ensemble.json whose members each have their own inference settings, e.g. "
                + "'hubmap ensemble --out e.json fold-0/best.zip@reduce=4,tile=256,tta=hflip+vflip fold-1/best.zip@reduce=2'. "
                + "Member keys: reduce, tile (= tile_size), expansion, overlap, blending, tta (poses joined by +, or none) "
                + "and weight; a key a member does not set comes from its own checkpoint's recipe."})
final class EnsembleCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The ensemble.json to write.")
    Path out;

    @Parameters(paramLabel = "MEMBER", arity = "1..*", description = "CHECKPOINT[@key=value,...]")
    List<String> members = new ArrayList<>();

    @Option(names = "--combine", paramLabel = "mean|vote:K",
            description = "How members are combined (default: the first member's recipe's infer.ensemble).")
    String combine;

    @Option(names = "--threshold", paramLabel = "T", defaultValue = "0.5",
            description = "Mask threshold of the ensemble (default: ${DEFAULT-VALUE}).")
    double threshold;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /**
     * The ensemble the command line names: a file ({@code --ensemble}) or member specs, exactly one of the two,
     * with an optional {@code --combine} override.
     */
    static Ensemble ensemble(Path file, List<String> members, String combine) throws IOException {
        return io.github.hubmapseg.pipeline.cohort.CohortJob.ensemble(file, members, combine);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("--threshold must be in [0, 1], got " + threshold);
        }
        Ensemble e = ensemble(null, members, combine);
        e = new Ensemble(e.entries(), e.combine(), threshold, false, Double.NaN);
        for (String line : e.describe(List.of())) {  // also checks each member's settings against its recipe
            pw.println(line);
        }
        e.save(out);
        pw.println("wrote " + out);
        pw.flush();
        return 0;
    }
}
