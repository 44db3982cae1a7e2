package io.github.hubmapseg.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hubmap model ...}: model tools (summary, run). */
@Command(name = "model", mixinStandardHelpOptions = true, description = "Segmentation model tools.",
        subcommands = {ModelSummaryCommand.class, ModelRunCommand.class})
final class ModelCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
