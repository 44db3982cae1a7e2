package io.github.hubmapseg.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code hubmap} command line: the entry point of {@code ./hubmap}. User mistakes end in one clear
 * line on stderr and a non-zero exit; {@code --verbose} adds the stack trace.
 */
@Command(name = "hubmap", mixinStandardHelpOptions = true, versionProvider = HubmapCommand.Version.class,
        description = "Glomerulus segmentation of whole-slide kidney images (HuBMAP - Hacking the Kidney).",
        subcommands = {ConformanceCommand.class, RleCommand.class, DiceCommand.class, InfoCommand.class, CropCommand.class, SynthCommand.class, ModelCommand.class, WeightsCommand.class, ReproduceCommand.class, TrainCommand.class, PredictCommand.class, MergeCommand.class, EnsembleCommand.class, EvaluateCommand.class, FoldsCommand.class, TilesCommand.class, ThresholdCommand.class, PseudoCommand.class, PolygonsCommand.class, ReportCommand.class, ServeCommand.class, CommandLine.HelpCommand.class})
public final class HubmapCommand implements Runnable {

    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces of errors.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with the project's error handling. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new HubmapCommand());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean verbose = parseResult.hasMatchedOption("--verbose")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--verbose"));
            Throwable t = ex;
            String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (t instanceof java.nio.file.NoSuchFileException nsf) {
                msg = nsf.getFile() + ": " + (nsf.getReason() == null ? "no such file" : nsf.getReason());
            }
            err.println("hubmap: error: " + msg);
            if (verbose) {
                ex.printStackTrace(err);
            } else {
                err.println("hubmap: (run with --verbose for the stack trace)");
            }
            err.flush();
            return 2;
        });
        return cl;
    }

    /** Runs the command and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Reports the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = HubmapCommand.class.getPackage().getImplementationVersion();
            return new String[] {"hubmap " + (v == null ? "(development build)" : v)};
        }
    }
}
