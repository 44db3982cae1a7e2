package io.github.hubmapseg.cli;

import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.models.weights.Npz;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hubmap model run --model MODEL.zip --input X.npy --output Y.npy}: the model's raw logits for an NCHW float32
 * batch, in eval mode, without any normalisation: the outside world's way to check a model against PyTorch.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run a checkpoint on an NCHW float32 .npy batch; writes the raw logits (NCHW float32 .npy).")
final class ModelRunCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "A hubmap checkpoint (.zip).")
    Path model;

    @Option(names = "--input", required = true, description = "NCHW float32 .npy (no normalisation is applied).")
    Path input;

    @Option(names = "--output", required = true, description = "The .npy to write: logits NCHW float32.")
    Path output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        INDArray x = Npz.readNpy(input);
        try (SegmentationModel m = Checkpoints.load(model)) {
            if (x.rank() != 4 || x.size(1) != m.inChannels()) {
                throw new IllegalArgumentException(input + ": shape " + Arrays.toString(x.shape()) + ", expected NCHW"
                        + " with C = " + m.inChannels());
            }
            m.validateInputSize(x.size(2), x.size(3));
            INDArray y = SegmentationModel.toNchw(m.logits(SegmentationModel.toNhwc(x)));
            Npz.writeNpy(y, output);
            spec.commandLine().getOut().println("logits " + Arrays.toString(y.shape()) + " -> " + output);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
