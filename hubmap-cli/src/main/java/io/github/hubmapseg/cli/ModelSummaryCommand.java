package io.github.hubmapseg.cli;

import io.github.hubmapseg.models.ModelSummary;
import io.github.hubmapseg.models.Models;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hubmap model summary --arch unet --encoder resnext50_32x4d}: layers, output shapes, free-parameter
 * counts (PyTorch convention) and output stride, computed from the configuration (no weights allocated).
 */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's layers, parameter counts and output stride.")
final class ModelSummaryCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "unet", description = "Architecture (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--encoder", required = true, description = "Encoder, e.g. resnext50_32x4d.")
    String encoder;

    @Option(names = "--size", defaultValue = "256", description = "Input height and width in pixels for the"
            + " shapes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--in-channels", defaultValue = "3", description = "Input channels (default ${DEFAULT-VALUE}).")
    int inChannels;

    @Option(names = "--no-layers", description = "Print only the totals.")
    boolean noLayers;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ModelSummary s = Models.builder(arch, encoder).inChannels(inChannels).summary(size, size);
        String text = s.format();
        if (noLayers) {
            text = text.substring(text.indexOf("trainable parameters"));
        }
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
