package io.github.hubmapseg.cli;

import io.github.hubmapseg.pipeline.report.RunReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap report RUN_DIR}: the HTML report of a run. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write the HTML report of a run folder: index.html with settings, timings, Dice per slide, "
                + "loss/Dice/threshold curves and per test slide a zoomable OpenSeadragon view (Deep Zoom tiles, "
                + "toggleable prediction/truth overlays, opacity slider, table of predicted glomeruli). Open "
                + "index.html directly (file://) or with 'hubmap serve RUN_DIR'. 'hubmap reproduce' writes it too."})
final class ReportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "Run folder (with submission.csv).")
    Path run;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: RUN_DIR/report).")
    Path out;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Competition folder (default: from RUN_DIR/run.json, else RUN_DIR/data).")
    Path data;

    @Option(names = "--tile", paramLabel = "PX", defaultValue = "256",
            description = "Deep Zoom tile side (default: ${DEFAULT-VALUE}).")
    int tile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Path index = RunReport.builder(run).out(out).data(data).tileSize(tile).log(s -> {
            pw.println(s);
            pw.flush();
        }).build().write();
        pw.println("wrote " + index);
        pw.flush();
        return 0;
    }
}
