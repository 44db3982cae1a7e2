package io.github.hubmapseg.cli;

import io.github.hubmapseg.models.Checkpoints;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.models.TorchWeights;
import io.github.hubmapseg.models.WeightLayout;
import io.github.hubmapseg.models.WeightLayouts;
import io.github.hubmapseg.models.weights.SafeTensors;
import io.github.hubmapseg.models.weights.StateDict;
import io.github.hubmapseg.models.weights.WeightFiles;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap weights inspect|import|export}: PyTorch weight files without Python. */
@Command(name = "weights", mixinStandardHelpOptions = true,
        description = "Read, import and export PyTorch weights (.pth zip or legacy, .safetensors, .npz).",
        subcommands = {WeightsCommand.Inspect.class, WeightsCommand.Import.class, WeightsCommand.Export.class})
final class WeightsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Parses {@code auto} or a layout name. */
    static WeightLayout layout(String s) {
        if (s == null || "auto".equalsIgnoreCase(s)) {
            return null;
        }
        try {
            return WeightLayout.valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown layout '" + s + "'; valid: auto, smp, torchvision, timm, cadene");
        }
    }

    /** {@code hubmap weights inspect FILE}. */
    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Print a weight file's format, tensors, dtypes, detected layout and the model it fits.")
    static final class Inspect implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "A .pth/.pt/.bin (torch.save), .safetensors or .npz file.")
        Path file;

        @Option(names = "--tensors", description = "List every tensor with its shape and dtype.")
        boolean tensors;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            StateDict sd = WeightFiles.read(file);
            out.println("file:      " + file);
            out.println("format:    " + sd.format().name().toLowerCase(Locale.ROOT)
                    + (sd.path().isEmpty() ? "" : " (training checkpoint; state_dict under '" + sd.path() + "')"));
            out.println("tensors:   " + sd.tensors().size() + " (" + String.format(Locale.ROOT, "%,d", sd.elements())
                    + " elements)");
            StringBuilder dt = new StringBuilder();
            sd.dtypeCounts().forEach((d, n) -> dt.append(dt.length() == 0 ? "" : ", ").append(d).append(" x").append(n));
            out.println("dtypes:    " + dt);
            try {
                WeightLayouts.Detection d = WeightLayouts.detect(sd.tensors(), null);
                out.println("layout:    " + d.layout().name().toLowerCase(Locale.ROOT));
                out.println("fits:      " + d.describe());
                if (!d.options().isEmpty()) {
                    out.println("options:   " + d.options());
                }
                for (String p : d.problems()) {
                    out.println("problem:   " + p);
                }
            } catch (IllegalArgumentException e) {
                out.println("layout:    not recognised: " + e.getMessage());
            }
            if (tensors) {
                for (Map.Entry<String, INDArray> e : sd.tensors().entrySet()) {
                    out.println("  " + e.getKey() + " " + sd.dtypes().get(e.getKey()) + " "
                            + java.util.Arrays.toString(e.getValue().shape()));
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code hubmap weights import FILE --arch A --encoder E --out MODEL.zip}. */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Import a PyTorch state_dict (a whole smp model, or an encoder) into a hubmap checkpoint.")
    static final class Import implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The weight file.")
        Path file;

        @Option(names = "--arch", description = "unet, fpn, linknet, pan or manet (default: the file's, for a whole"
                + " model).")
        String arch;

        @Option(names = "--encoder", description = "Encoder name (default: detected from the tensors).")
        String encoder;

        @Option(names = "--layout", defaultValue = "auto",
                description = "auto, smp, torchvision, timm or cadene (default ${DEFAULT-VALUE}).")
        String layout;

        @Option(names = "--classes", description = "Logit channels (default: the file's, or 1 for an encoder).")
        Integer classes;

        @Option(names = "--encoder-output-stride", paramLabel = "S", description = "PAN only: smp's"
                + " encoder_output_stride, which the file does not record: 16 (smp's default) or 32.")
        Integer encoderOutputStride;

        @Option(names = "--out", required = true, description = "The checkpoint to write (MODEL.zip).")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            StateDict sd = WeightFiles.read(file);
            try (SegmentationModel m = WeightLayouts.importModel(sd.tensors(), arch, encoder, layout(layout),
                    classes, encoderOutputStride)) {
                Map<String, Object> meta = new LinkedHashMap<>();
                meta.put("source", file.getFileName().toString());
                meta.put("format", sd.format().name().toLowerCase(Locale.ROOT));
                meta.put("normalization", "imagenet");
                // the imported graph keeps the default CnnLossLayer (identity activation): its output is logits
                Checkpoints.save(m, out, Map.of(io.github.hubmapseg.pipeline.infer.ModelPredictors.IMPORTED, meta,
                        io.github.hubmapseg.models.OutputActivation.KEY,
                        io.github.hubmapseg.models.OutputActivation.LOGITS.key()), false);
                spec.commandLine().getOut().println("imported " + sd.tensors().size() + " tensors of " + file
                        + " into " + m.arch() + " / " + m.encoder() + ": " + out);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    /** {@code hubmap weights export MODEL.zip --out X.safetensors}. */
    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write a checkpoint's weights as .safetensors with smp's names (load_state_dict in PyTorch).")
    static final class Export implements Callable<Integer> {
        @Parameters(paramLabel = "MODEL", description = "A hubmap checkpoint (.zip).")
        Path model;

        @Option(names = "--out", required = true, description = "The .safetensors file to write.")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            try (SegmentationModel m = Checkpoints.load(model)) {
                Set<String> int64 = new LinkedHashSet<>();
                Map<String, INDArray> t = TorchWeights.export(m, int64);
                SafeTensors.write(t, int64, Map.of("format", "pt", "arch", m.arch(), "encoder", m.encoder()), out);
                spec.commandLine().getOut().println("wrote " + t.size() + " tensors (" + m.arch() + " / "
                        + m.encoder() + ") to " + out);
            }
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
