package io.github.hubmapseg.models;

import io.github.hubmapseg.models.weights.StateDict;
import io.github.hubmapseg.models.weights.WeightFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layouts of PyTorch state_dicts: detection from the tensor names and shapes, renaming to this project's names, and
 * import into a model ({@link #importModel}) or into a model's encoder ({@link #loadEncoder}).
 *
 * <p>Detection: keys under {@code encoder.} plus {@code decoder.}/{@code segmentation_head.} are a whole smp model
 * (architecture from the decoder's keys: {@code decoder.blocks.0.conv1} U-Net, {@code decoder.p5} FPN,
 * {@code decoder.blocks.0.block} Linknet, {@code decoder.fpa} PAN, {@code decoder.center.top_conv} MAnet); otherwise an encoder ({@code layer0.conv1} Cadene, {@code se.fc1} timm
 * SE-ResNeXt, {@code conv1} + {@code layer1} torchvision/timm ResNet(X)t, {@code features.0.0} torchvision
 * EfficientNet, {@code _conv_stem} lukemelas EfficientNet-PyTorch = smp's {@code efficientnet-bN}, {@code conv_stem} timm's
 * EfficientNet = smp's {@code timm-efficientnet-bN}). The encoder is the registered one whose every tensor name and shape the file has; when none fits,
 * the closest is reported with its missing, unexpected and mis-shaped tensors. A common {@code module.} or
 * {@code model.} prefix (DataParallel, Lightning) is removed first.
 */
public final class WeightLayouts {
    private WeightLayouts() {
    }

    /**
     * What a state_dict is.
     *
     * @param layout the layout of its names
     * @param arch the architecture of a whole model, or {@code null} for an encoder alone
     * @param encoder the registered encoder it fits, or {@code null} if none fits exactly
     * @param options model options read from the shapes (decoderChannels, pyramidChannels, segmentationChannels,
     *     prefinalChannels, panChannels, pabChannels, classes, scse, classificationHead)
     * @param problems why it does not fit the closest encoder (empty when it fits)
     */
    public record Detection(WeightLayout layout, String arch, String encoder, Map<String, Object> options,
            List<String> problems) {
        /** @return a one-line description */
        public String describe() {
            return (arch == null ? "encoder" : arch) + " / " + (encoder == null ? "no registered encoder" : encoder)
                    + " (" + layout.name().toLowerCase(Locale.ROOT) + " layout)";
        }
    }

    /** @return the state_dict without a {@code module.}/{@code model.} prefix common to every key */
    static Map<String, INDArray> stripWrapper(Map<String, INDArray> sd) {
        for (String p : List.of("module.", "model.")) {
            if (!sd.isEmpty() && sd.keySet().stream().allMatch(k -> k.startsWith(p))) {
                Map<String, INDArray> out = new LinkedHashMap<>();
                sd.forEach((k, v) -> out.put(k.substring(p.length()), v));
                return out;
            }
        }
        return sd;
    }

    /**
     * Detects the layout, architecture and encoder of a state_dict.
     *
     * @param stateDict tensors by name
     * @param layout the layout if known, else {@code null} (auto)
     * @return the detection
     * @throws IllegalArgumentException if the names fit no supported layout (the message says what they look like)
     */
    public static Detection detect(Map<String, INDArray> stateDict, WeightLayout layout) {
        Map<String, INDArray> sd = stripWrapper(stateDict);
        boolean whole = sd.keySet().stream().anyMatch(k -> k.startsWith("encoder."))
                && sd.keySet().stream().anyMatch(k -> k.startsWith("decoder.") || k.startsWith("segmentation_head."));
        Map<String, INDArray> enc = new LinkedHashMap<>();
        String arch = null;
        Map<String, Object> options = new TreeMap<>();
        if (whole) {
            if (layout != null && layout != WeightLayout.SMP) {
                throw new IllegalArgumentException("the file is a whole smp model (encoder.*, decoder.*), not the "
                        + layout.name().toLowerCase(Locale.ROOT) + " layout");
            }
            layout = WeightLayout.SMP;
            sd.forEach((k, v) -> {
                if (k.startsWith("encoder.")) {
                    enc.put(k.substring("encoder.".length()), v);
                }
            });
            arch = wholeArch(sd, options);
        } else {
            enc.putAll(sd);
        }
        Set<String> keys = enc.keySet();
        List<String> candidates;
        WeightLayout found;
        if (keys.contains("layer0.conv1.weight")) {
            found = WeightLayout.CADENE;
            candidates = List.of("se_resnext50_32x4d", "se_resnext101_32x4d");
        } else if (keys.contains("conv1.weight") && keys.contains("layer1.0.se.fc1.weight")) {
            found = WeightLayout.TIMM;
            candidates = List.of("seresnext50_32x4d", "seresnext101_32x4d");
        } else if (keys.contains("conv1.weight") && keys.contains("layer1.0.conv1.weight")) {
            found = WeightLayout.TORCHVISION;
            candidates = List.of("resnet34", "resnet50", "resnext50_32x4d", "resnext101_32x4d");
        } else if (keys.contains("features.0.0.weight")) {
            found = WeightLayout.TORCHVISION;
            candidates = new ArrayList<>();
            for (int i = 0; i <= 7; i++) {
                candidates.add("tv-efficientnet-b" + i);
            }
        } else if (keys.contains("_conv_stem.weight")) {
            found = WeightLayout.SMP; // lukemelas EfficientNet-PyTorch, smp's efficientnet-bN
            candidates = new ArrayList<>();
            for (int i = 0; i <= 7; i++) {
                candidates.add("efficientnet-b" + i);
            }
        } else if (keys.contains("conv_stem.weight")) {
            found = WeightLayout.TIMM; // timm EfficientNet: smp's timm-efficientnet-bN
            candidates = new ArrayList<>();
            for (int i = 0; i <= 7; i++) {
                candidates.add("timm-efficientnet-b" + i);
            }
        } else {
            List<String> first = new ArrayList<>(keys).subList(0, Math.min(5, keys.size()));
            throw new IllegalArgumentException("tensor names fit no supported layout (smp, torchvision, timm, cadene);"
                    + " the first are " + first);
        }
        if (whole) {
            found = WeightLayout.SMP;
        } else if (layout != null) {
            boolean compatible = layout == found || (layout == WeightLayout.TIMM && found == WeightLayout.TORCHVISION
                    && candidates.contains("resnet34")) || (layout == WeightLayout.SMP);
            if (!compatible) {
                throw new IllegalArgumentException("the tensor names are the " + found.name().toLowerCase(Locale.ROOT)
                        + " layout, not " + layout.name().toLowerCase(Locale.ROOT));
            }
            found = layout;
        }
        Map<String, INDArray> renamed = renameEncoder(enc, found == WeightLayout.TIMM && keys.contains(
                "layer1.0.se.fc1.weight"));
        String best = null;
        List<String> bestProblems = null;
        for (String c : candidates) {
            Encoder e = Encoders.create(c);
            List<String> problems = compare(Models.encoderTorchShapes(c), renamed, e.unusedTorchModules());
            if (bestProblems == null || problems.size() < bestProblems.size()) {
                best = c;
                bestProblems = problems;
            }
        }
        return new Detection(found, arch, bestProblems.isEmpty() ? best : null, options,
                bestProblems.isEmpty() ? List.of() : prefix("closest encoder " + best + ": ", bestProblems));
    }

    private static List<String> prefix(String p, List<String> items) {
        List<String> out = new ArrayList<>(items);
        out.set(0, p + out.get(0));
        return out;
    }

    private static String wholeArch(Map<String, INDArray> sd, Map<String, Object> options) {
        Set<String> k = sd.keySet();
        if (k.contains("segmentation_head.0.weight")) {
            options.put("classes", (int) sd.get("segmentation_head.0.weight").size(0));
        }
        if (k.contains("classification_head.3.weight")) {
            options.put("classificationHead", true);
        }
        if (k.contains("decoder.p5.weight")) {
            options.put("pyramidChannels", (int) sd.get("decoder.p5.weight").size(0));
            INDArray seg = sd.get("decoder.seg_blocks.0.block.0.block.0.weight");
            if (seg != null) {
                options.put("segmentationChannels", (int) seg.size(0));
            }
            if (k.stream().anyMatch(x -> x.startsWith("decoder.seg_blocks.") && x.endsWith("running_mean"))) {
                throw new IllegalArgumentException("an FPN with batch norm in decoder.seg_blocks (running statistics):"
                        + " smp's FPN has GroupNorm(32) there, and so does this project's since the GroupNorm FPN"
                        + " (a BatchNorm FPN checkpoint of this project loads with its checkpoint, not as an smp file)");
            }
            return "fpn";
        }
        if (k.contains("decoder.fpa.mid.0.conv.weight")) {
            // smp's PAN; its encoder_output_stride (16 by default, a dilated last stage) leaves no trace in the file
            options.put("panChannels", (int) sd.get("decoder.fpa.mid.0.conv.weight").size(0));
            return "pan";
        }
        if (k.contains("decoder.center.top_conv.weight")) {
            options.put("pabChannels", (int) sd.get("decoder.center.top_conv.weight").size(0));
            List<Integer> ch = new ArrayList<>();
            for (int i = 0; k.contains("decoder.blocks." + i + ".conv1.0.weight"); i++) {
                ch.add((int) sd.get("decoder.blocks." + i + ".conv1.0.weight").size(0));
            }
            options.put("decoderChannels", ch);
            return "manet";
        }
        if (k.contains("decoder.blocks.0.conv1.0.weight")) {
            List<Integer> ch = new ArrayList<>();
            for (int i = 0; k.contains("decoder.blocks." + i + ".conv1.0.weight"); i++) {
                ch.add((int) sd.get("decoder.blocks." + i + ".conv1.0.weight").size(0));
            }
            options.put("decoderChannels", ch);
            if (k.stream().anyMatch(x -> x.contains(".attention1.attention.cSE."))) {
                options.put("scse", true);
            }
            if (k.stream().anyMatch(x -> x.contains(".attention1.attention.ChannelGate."))) {
                options.put("cbam", true); // hubmap export of a CBAM U-Net
            }
            if (k.stream().anyMatch(x -> x.contains(".attention_gate."))) {
                options.put("attentionGate", true); // hubmap export of an attention-gate U-Net
            }
            return "unet";
        }
        if (k.contains("decoder.blocks.0.block.0.0.weight")) {
            int last = 0;
            while (k.contains("decoder.blocks." + (last + 1) + ".block.2.0.weight")) {
                last++;
            }
            options.put("prefinalChannels", (int) sd.get("decoder.blocks." + last + ".block.2.0.weight").size(0));
            return "linknet";
        }
        throw new IllegalArgumentException("an smp model whose decoder is none of unet, fpn, linknet, pan, manet (decoder keys: "
                + k.stream().filter(x -> x.startsWith("decoder.")).limit(3).toList() + ")");
    }

    /** timm SE-ResNeXt names to ours (Cadene's); other layouts already use ours. */
    private static Map<String, INDArray> renameEncoder(Map<String, INDArray> enc, boolean timmSe) {
        if (!timmSe) {
            return enc;
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        enc.forEach((k, v) -> out.put(timmSeName(k), v));
        return out;
    }

    static String timmSeName(String k) {
        if (k.startsWith("conv1.") || k.startsWith("bn1.")) {
            return "layer0." + k;
        }
        return k.replace(".se.fc1.", ".se_module.fc1.").replace(".se.fc2.", ".se_module.fc2.");
    }

    /** Missing, mis-shaped and unexpected tensors of a file against the expected shapes. */
    private static List<String> compare(Map<String, long[]> expected, Map<String, INDArray> file,
            List<String> ignoredModules) {
        List<String> missing = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        Set<String> unexpected = new LinkedHashSet<>(file.keySet());
        unexpected.removeIf(k -> k.endsWith("num_batches_tracked") || k.startsWith("fc.")
                || ignoredModules.stream().anyMatch(m -> k.startsWith(m + ".")));
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            INDArray t = file.get(e.getKey());
            unexpected.remove(e.getKey());
            if (t == null) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(t.shape(), e.getValue()) && !(t.length() == len(e.getValue()) && t.rank() == 2)) {
                misshaped.add(e.getKey() + ": expected " + Arrays.toString(e.getValue()) + ", got "
                        + Arrays.toString(t.shape()));
            }
        }
        List<String> out = new ArrayList<>();
        summarise(out, "missing", missing);
        summarise(out, "wrong shape", misshaped);
        summarise(out, "unexpected", new ArrayList<>(unexpected));
        return out;
    }

    private static long len(long[] s) {
        long n = 1;
        for (long d : s) {
            n *= d;
        }
        return n;
    }

    private static void summarise(List<String> out, String what, List<String> items) {
        if (!items.isEmpty()) {
            out.add(items.size() + " " + what + ": " + String.join(", ", items.subList(0, Math.min(10, items.size())))
                    + (items.size() > 10 ? ", ..." : ""));
        }
    }

    /**
     * A model of the given architecture and encoder with the weights of a state_dict: a whole smp model (options such
     * as decoder channels and classes read from its shapes), or an encoder alone (the decoder keeps its random
     * initialisation).
     *
     * @param stateDict the tensors
     * @param arch architecture, or {@code null} to take the file's
     * @param encoder encoder, or {@code null} to take the detected one
     * @param layout the layout, or {@code null} to detect it
     * @param classes logit channels for an encoder-only file (a whole model's own count is used and must agree)
     * @return the model, every tensor of the file imported
     * @throws IllegalArgumentException if the file does not fit, listing missing, unexpected and mis-shaped tensors
     */
    public static SegmentationModel importModel(Map<String, INDArray> stateDict, String arch, String encoder,
            WeightLayout layout, Integer classes) {
        return importModel(stateDict, arch, encoder, layout, classes, null);
    }

    /**
     * {@link #importModel(Map, String, String, WeightLayout, Integer)} with PAN's encoder output stride, which a
     * state_dict does not record.
     *
     * @param stateDict the tensors
     * @param arch architecture, or {@code null} to take the file's
     * @param encoder encoder, or {@code null} to take the detected one
     * @param layout the layout, or {@code null} to detect it
     * @param classes logit channels for an encoder-only file
     * @param encoderOutputStride PAN only: smp's {@code encoder_output_stride} (16 or 32), {@code null} for smp's
     *     default 16
     * @return the model, every tensor of the file imported
     * @throws IllegalArgumentException if the file does not fit, listing missing, unexpected and mis-shaped tensors
     */
    public static SegmentationModel importModel(Map<String, INDArray> stateDict, String arch, String encoder,
            WeightLayout layout, Integer classes, Integer encoderOutputStride) {
        Map<String, INDArray> sd = stripWrapper(stateDict);
        Detection d = detect(sd, layout);
        String a = arch != null ? arch : d.arch();
        if (a == null) {
            throw new IllegalArgumentException("the file holds an encoder only (" + d.describe()
                    + "); give the architecture (" + String.join(", ", Models.architectures()) + ")");
        }
        if (d.arch() != null && !d.arch().equals(a)) {
            throw new IllegalArgumentException("the file is an smp " + d.arch() + ", not " + a);
        }
        String e = encoder != null ? encoder : d.encoder();
        if (e == null) {
            throw new IllegalArgumentException("the file fits no registered encoder: " + String.join("; ", d.problems()));
        }
        if (d.encoder() != null && !Encoders.sameParameters(d.encoder(), e)) {
            throw new IllegalArgumentException("the file's encoder is " + d.encoder() + " (" + d.layout()
                    .name().toLowerCase(Locale.ROOT) + " layout), not " + e);
        }
        Models.Builder b = Models.builder(a, e);
        Map<String, Object> o = d.options();
        if (o.containsKey("classes")) {
            if (classes != null && !classes.equals(o.get("classes"))) {
                throw new IllegalArgumentException("the file has " + o.get("classes") + " classes, not " + classes);
            }
            b.classes((Integer) o.get("classes"));
        } else if (classes != null) {
            b.classes(classes);
        }
        if (o.get("decoderChannels") instanceof List<?> ch) {
            b.decoderChannels(ch.stream().map(x -> (Integer) x).toList());
        }
        if (o.containsKey("pyramidChannels")) {
            b.pyramidChannels((Integer) o.get("pyramidChannels"));
        }
        if (o.containsKey("segmentationChannels")) {
            b.segmentationChannels((Integer) o.get("segmentationChannels"));
        }
        if (o.containsKey("prefinalChannels")) {
            b.prefinalChannels((Integer) o.get("prefinalChannels"));
        }
        if (o.containsKey("panChannels")) {
            b.panChannels((Integer) o.get("panChannels"));
        }
        if (o.containsKey("pabChannels")) {
            b.pabChannels((Integer) o.get("pabChannels"));
        }
        if (Boolean.TRUE.equals(o.get("scse"))) {
            b.scse(true);
        }
        if (Boolean.TRUE.equals(o.get("cbam"))) {
            b.cbam(true);
        }
        if (Boolean.TRUE.equals(o.get("attentionGate"))) {
            b.attentionGate(true);
        }
        if (Boolean.TRUE.equals(o.get("classificationHead"))) {
            b.classificationHead(true);
        }
        if (encoderOutputStride != null) {
            b.encoderOutputStride(encoderOutputStride);
        }
        SegmentationModel m = b.build();
        try {
            if (d.arch() != null) {
                TorchWeights.load(m, toModelNames(sd, d), "");
            } else {
                TorchWeights.load(m, toEncoderNames(sd, d), "encoder.");
            }
        } catch (RuntimeException ex) {
            m.close();
            throw ex;
        }
        return m;
    }

    /**
     * Loads an encoder state_dict (any supported layout) into the encoder of a model.
     *
     * @param model the model ({@code encoder.*} layers)
     * @param stateDict the encoder's tensors
     * @param layout the layout, or {@code null} to detect it
     * @return the number of tensors imported
     * @throws IllegalArgumentException if it does not fit the model's encoder (listing the tensors)
     */
    public static int loadEncoder(SegmentationModel model, Map<String, INDArray> stateDict, WeightLayout layout) {
        Map<String, INDArray> sd = stripWrapper(stateDict);
        Detection d = detect(sd, layout);
        if (d.arch() != null) {
            Map<String, INDArray> enc = new LinkedHashMap<>();
            sd.forEach((k, v) -> {
                if (k.startsWith("encoder.")) {
                    enc.put(k.substring("encoder.".length()), v);
                }
            });
            return TorchWeights.load(model, enc, "encoder.");
        }
        if (d.encoder() != null && !Encoders.sameParameters(d.encoder(), model.encoder())) {
            throw new IllegalArgumentException("the weights are " + d.describe() + ", the model's encoder is "
                    + model.encoder());
        }
        return TorchWeights.load(model, toEncoderNames(sd, d), "encoder.");
    }

    /**
     * Reads a weight file and loads it into a model: the whole model when the file is one, else its encoder.
     *
     * @param model the model
     * @param file the weight file (any format {@link WeightFiles} reads)
     * @param layout the layout, or {@code null} to detect it
     * @param wholeModel whether the file must be a whole model ({@code model.weights}) rather than an encoder
     * @return the number of tensors imported
     * @throws IOException if the file cannot be read
     */
    public static int load(SegmentationModel model, Path file, WeightLayout layout, boolean wholeModel)
            throws IOException {
        StateDict sd = WeightFiles.read(file);
        Map<String, INDArray> t = stripWrapper(sd.tensors());
        Detection d = detect(t, layout);
        if (wholeModel) {
            if (d.arch() == null) {
                throw new IllegalArgumentException(file + " holds an encoder only (" + d.describe()
                        + "); use model.encoder_weights for it");
            }
            return TorchWeights.load(model, toModelNames(t, d), "");
        }
        return loadEncoder(model, t, layout);
    }

    static Map<String, INDArray> toEncoderNames(Map<String, INDArray> sd, Detection d) {
        return renameEncoder(sd, d.layout() == WeightLayout.TIMM && sd.containsKey("layer1.0.se.fc1.weight"));
    }

    private static Map<String, INDArray> toModelNames(Map<String, INDArray> sd, Detection d) {
        return sd;
    }
}
