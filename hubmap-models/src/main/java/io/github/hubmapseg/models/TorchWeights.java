package io.github.hubmapseg.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Imports PyTorch weights saved as a {@code .npz} of a {@code state_dict}
 * ({@code np.savez(f, **{k: v.numpy() for k, v in model.state_dict().items()})}); nothing is downloaded.
 *
 * <p>Name mapping: a DL4J layer is named like the PyTorch module ({@code layer1.0.conv2},
 * {@code decoder.blocks.0.conv1.0}, {@code segmentation_head.0}; torchvision/timm/smp names), and
 * {@code prefix + torchKey} must equal {@code layerName + "." + suffix} where the suffix maps as:
 * <table>
 *   <caption>parameter names</caption>
 *   <tr><th>PyTorch</th><th>DL4J layer</th><th>DL4J parameter</th></tr>
 *   <tr><td>{@code weight} [out, in/groups, kh, kw]</td><td>ConvolutionLayer</td>
 *       <td>{@code W} [out, in, kh, kw] (grouped convs expanded to a block-diagonal dense weight)</td></tr>
 *   <tr><td>{@code bias}</td><td>ConvolutionLayer</td><td>{@code b}</td></tr>
 *   <tr><td>{@code weight}, {@code bias}</td><td>BatchNormalization</td><td>{@code gamma}, {@code beta}</td></tr>
 *   <tr><td>{@code running_mean}, {@code running_var}</td><td>BatchNormalization</td>
 *       <td>{@code mean}, {@code var}</td></tr>
 * </table>
 * A {@code nn.Linear} weight {@code [out, in]} imports into a 1x1 convolution {@code [out, in, 1, 1]} (the
 * classification head).
 * {@code num_batches_tracked}, torchvision's classifier {@code fc.*} and the modules the encoder lists in
 * {@code Encoder#unusedTorchModules()} (e.g. {@code last_linear.*}; EfficientNet's {@code features.8.*},
 * {@code classifier.*}) are ignored. Depthwise convolutions: PyTorch {@code [c * m, 1, kh, kw]} to DL4J
 * {@code [kh, kw, c, m]}; a 1x1 depthwise convolution is GroupNorm's per-channel weight and bias
 * ({@link Blocks#groupNorm}): PyTorch {@code [c]}. Use prefix
 * {@code ""} for an smp-style model state_dict ({@code encoder.*}, {@code decoder.*},
 * {@code segmentation_head.*}) or for {@link Models#encoderOnly(String, int)}, and {@code "encoder."} to
 * load a torchvision/timm backbone state_dict into the encoder of a U-Net (then only layers under
 * {@code encoder.} are required). Missing tensors, tensors of the wrong shape and unused tensors are an
 * error listing all of them: weights are never silently left random.
 */
public final class TorchWeights {
    private TorchWeights() {
    }

    /**
     * Reads a {@code .npz} file.
     *
     * @param npz the file
     * @return tensors by name, in file order
     * @throws IOException if it cannot be read
     */
    public static Map<String, INDArray> readNpz(Path npz) throws IOException {
        if (!Files.isRegularFile(npz)) {
            throw new java.io.FileNotFoundException("no such .npz file: " + npz);
        }
        return io.github.hubmapseg.models.weights.Npz.read(npz);
    }

    /**
     * Reads a {@code .npz} state_dict and imports it.
     *
     * @param model the model to fill
     * @param npz the state_dict file
     * @param prefix prepended to every PyTorch key before matching layer names
     * @return the number of tensors imported
     * @throws IOException if the file cannot be read
     */
    public static int load(SegmentationModel model, Path npz, String prefix) throws IOException {
        return load(model, readNpz(npz), prefix);
    }

    /**
     * Imports a state_dict into a model; see the class documentation for the mapping.
     *
     * @param model the model to fill
     * @param stateDict PyTorch tensors by name
     * @param prefix prepended to every PyTorch key before matching layer names
     * @return the number of tensors imported
     * @throws IllegalArgumentException listing missing, mis-shaped and unused tensors (nothing is changed)
     */
    public static int load(SegmentationModel model, Map<String, INDArray> stateDict, String prefix) {
        ComputationGraph g = model.graph();
        Map<String, INDArray> byName = new LinkedHashMap<>();
        Set<String> unused = new LinkedHashSet<>();
        List<String> skipped = unusedModules(model);
        for (Map.Entry<String, INDArray> e : stateDict.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("num_batches_tracked") || k.startsWith("fc.") || isUnusedModule(prefix + k, skipped)) {
                continue;
            }
            byName.put(prefix + k, e.getValue());
            unused.add(prefix + k);
        }
        List<String> missing = new ArrayList<>();
        List<String> misshaped = new ArrayList<>();
        List<INDArray[]> assignments = new ArrayList<>();
        for (Layer layer : g.getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (!name.startsWith(prefix) || layer.numParams() == 0) {
                continue;
            }
            int[] grouped = model.groupedConvs().get(name);
            boolean bn = layer instanceof BatchNormalization;
            boolean depthwise = layer instanceof org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                String torch = name + "." + torchSuffix(p.getKey(), bn);
                INDArray src = byName.get(torch);
                if (src == null) {
                    missing.add(torch + " " + Arrays.toString(p.getValue().shape()));
                    continue;
                }
                unused.remove(torch);
                INDArray dst = p.getValue();
                INDArray value = src.castTo(DataType.FLOAT);
                if (grouped != null && "W".equals(p.getKey()) && !(layer instanceof GroupedConvolutionLayer.Impl)) {
                    // masked dense form of a grouped conv (checkpoints before GroupedConvolutionLayer)
                    long[] s = dst.shape();
                    long[] expected = {s[0], s[1] / grouped[0], s[2], s[3]};
                    if (!Arrays.equals(value.shape(), expected)) {
                        misshaped.add(torch + ": expected " + Arrays.toString(expected) + ", got "
                                + Arrays.toString(value.shape()));
                        continue;
                    }
                    value = expandGrouped(value, s, grouped[0]);
                } else if (depthwise && "W".equals(p.getKey()) && isAffine(dst.shape())) {
                    long[] s = dst.shape(); // a GroupNorm's weight: DL4J [1, 1, c, 1], PyTorch [c]
                    if (value.rank() != 1 || value.length() != s[2]) {
                        misshaped.add(torch + ": expected [" + s[2] + "], got " + Arrays.toString(value.shape()));
                        continue;
                    }
                } else if (depthwise && "W".equals(p.getKey())) {
                    long[] s = dst.shape(); // DL4J [kh, kw, c, multiplier], PyTorch [c * multiplier, 1, kh, kw]
                    long[] expected = {s[2] * s[3], 1, s[0], s[1]};
                    if (!Arrays.equals(value.shape(), expected)) {
                        misshaped.add(torch + ": expected " + Arrays.toString(expected) + ", got "
                                + Arrays.toString(value.shape()));
                        continue;
                    }
                    value = value.reshape(s[2], s[3], s[0], s[1]).permute(2, 3, 0, 1).dup('c');
                } else if (value.length() != dst.length()
                        || (value.rank() > 1 && !Arrays.equals(value.shape(), dst.shape()) && !linearAs1x1(value, dst))) {
                    misshaped.add(torch + ": expected " + Arrays.toString(dst.shape()) + ", got "
                            + Arrays.toString(value.shape()));
                    continue;
                }
                assignments.add(new INDArray[] {dst, value.reshape(dst.shape())});
            }
        }
        if (!missing.isEmpty() || !misshaped.isEmpty() || !unused.isEmpty()) {
            StringBuilder sb = new StringBuilder("state_dict does not fit " + model.arch() + "/" + model.encoder()
                    + " (prefix '" + prefix + "'):");
            appendList(sb, "missing", missing);
            appendList(sb, "wrong shape", misshaped);
            appendList(sb, "unused", new ArrayList<>(unused));
            throw new IllegalArgumentException(sb.toString());
        }
        for (INDArray[] a : assignments) {
            a[0].assign(a[1]);
        }
        return assignments.size();
    }

    /**
     * The state_dict names and shapes PyTorch has for a configuration's layers (the inverse of the name mapping
     * above; {@code num_batches_tracked} left out), computed without allocating weights.
     *
     * @param conf a configuration built by {@code Blocks}
     * @param grouped grouped convolutions by layer name ({@code {groups, k}})
     * @return shapes by PyTorch name, in layer order
     */
    static Map<String, long[]> torchShapes(org.deeplearning4j.nn.conf.ComputationGraphConfiguration conf,
            Map<String, int[]> grouped) {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, org.deeplearning4j.nn.conf.graph.GraphVertex> v : conf.getVertices().entrySet()) {
            if (!(v.getValue() instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv)) {
                continue;
            }
            String name = v.getKey();
            org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
            if (l instanceof org.deeplearning4j.nn.conf.layers.BatchNormalization bn) {
                for (String s : List.of("weight", "bias", "running_mean", "running_var")) {
                    out.put(name + "." + s, new long[] {bn.getNOut()});
                }
            } else if (l instanceof org.deeplearning4j.nn.conf.layers.ConvolutionLayer c) {
                int[] k = c.getKernelSize();
                long[] w;
                if (l instanceof org.deeplearning4j.nn.conf.layers.Deconvolution2D) {
                    w = new long[] {c.getNIn(), c.getNOut(), k[0], k[1]};
                } else if (l instanceof org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D d) {
                    w = k[0] == 1 && k[1] == 1 && d.getDepthMultiplier() == 1 ? new long[] {d.getNIn()}
                            : new long[] {d.getNIn() * d.getDepthMultiplier(), 1, k[0], k[1]};
                } else {
                    int groups = grouped.containsKey(name) ? grouped.get(name)[0] : 1;
                    w = new long[] {c.getNOut(), c.getNIn() / groups, k[0], k[1]};
                }
                out.put(name + ".weight", w);
                if (c.hasBias()) {
                    out.put(name + ".bias", new long[] {c.getNOut()});
                }
            }
        }
        return out;
    }

    /**
     * The model's weights as a PyTorch state_dict with this project's (= smp's) names: the inverse of
     * {@link #load}. Grouped convolutions are written compact ({@code [out, in/groups, kh, kw]}), depthwise ones as
     * {@code [c, 1, kh, kw]}, the classification head's 1x1 conv as {@code nn.Linear} {@code [out, in]}, and every
     * batch norm gets {@code num_batches_tracked} (0, int64) so that {@code load_state_dict(strict=True)} accepts it.
     *
     * @param model the model
     * @param int64 receives the names of the int64 tensors
     * @return tensors by PyTorch name, in layer order
     */
    public static Map<String, INDArray> export(SegmentationModel model, Set<String> int64) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (Layer layer : model.graph().getLayers()) {
            String name = layer.conf().getLayer().getLayerName();
            if (layer.numParams() == 0) {
                continue;
            }
            int[] grouped = model.groupedConvs().get(name);
            boolean bn = layer instanceof BatchNormalization;
            boolean depthwise = layer instanceof org.deeplearning4j.nn.layers.convolution.DepthwiseConvolution2DLayer;
            for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
                INDArray v = p.getValue().dup('c');
                if ("W".equals(p.getKey())) {
                    long[] s = v.shape();
                    if (grouped != null && !(layer instanceof GroupedConvolutionLayer.Impl)) {
                        v = compactGrouped(v, grouped[0]);
                    } else if (depthwise && isAffine(s)) {
                        v = v.reshape(s[2]);
                    } else if (depthwise) {
                        v = v.permute(2, 3, 0, 1).dup('c').reshape(s[2] * s[3], 1, s[0], s[1]);
                    } else if ((name.startsWith("classification_head.") || name.contains(".ChannelGate.mlp."))
                            && v.rank() == 4 && s[2] == 1 && s[3] == 1) { // nn.Linear
                        v = v.reshape(s[0], s[1]);
                    }
                } else if (v.rank() == 2 && v.size(0) == 1) {
                    v = v.reshape(v.size(1)); // DL4J keeps biases and BN vectors as [1, n]
                }
                out.put(name + "." + torchSuffix(p.getKey(), bn), v);
            }
            if (bn) {
                out.put(name + ".num_batches_tracked", Nd4j.scalar(0f));
                int64.add(name + ".num_batches_tracked");
            }
        }
        return out;
    }

    /**
     * A 1x1 depthwise convolution (DL4J weight {@code [1, 1, c, 1]}) is a per-channel affine map: GroupNorm's weight
     * and bias ({@link Blocks#groupNorm}), whose PyTorch weight is {@code [c]}. No encoder has 1x1 depthwise
     * convolutions.
     */
    private static boolean isAffine(long[] dl4jShape) {
        return dl4jShape.length == 4 && dl4jShape[0] == 1 && dl4jShape[1] == 1 && dl4jShape[3] == 1;
    }

    /** Block-diagonal dense [out, in, kh, kw] to the grouped [out, in/G, kh, kw]. */
    static INDArray compactGrouped(INDArray dense, int groups) {
        long[] s = dense.shape();
        float[] src = dense.dup('c').data().asFloat();
        int out = (int) s[0];
        int in = (int) s[1];
        int khw = (int) (s[2] * s[3]);
        int inPer = in / groups;
        int outPer = out / groups;
        float[] dst = new float[out * inPer * khw];
        for (int o = 0; o < out; o++) {
            int g = o / outPer;
            System.arraycopy(src, (o * in + g * inPer) * khw, dst, o * inPer * khw, inPer * khw);
        }
        return Nd4j.create(dst, new long[] {out, inPer, s[2], s[3]}, 'c');
    }

    /** A {@code nn.Linear} weight {@code [out, in]} into a 1x1 conv {@code [out, in, 1, 1]} (same order). */
    private static boolean linearAs1x1(INDArray value, INDArray dst) {
        return value.rank() == 2 && dst.rank() == 4 && dst.size(2) == 1 && dst.size(3) == 1
                && value.size(0) == dst.size(0) && value.size(1) == dst.size(1);
    }

    /** Modules of the encoder's original network it does not build, relative to the model (encoder prefix). */
    private static List<String> unusedModules(SegmentationModel model) {
        List<String> out = new ArrayList<>();
        if (!Encoders.names().contains(model.encoder())) {
            return out;
        }
        for (String m : Encoders.create(model.encoder()).unusedTorchModules()) {
            out.add(m + ".");
            out.add("encoder." + m + ".");
        }
        return out;
    }

    private static boolean isUnusedModule(String key, List<String> modulePrefixes) {
        for (String m : modulePrefixes) {
            if (key.startsWith(m)) {
                return true;
            }
        }
        return false;
    }

    private static void appendList(StringBuilder sb, String what, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        sb.append(' ').append(items.size()).append(' ').append(what).append(": ");
        sb.append(String.join(", ", items.subList(0, Math.min(items.size(), 30))));
        if (items.size() > 30) {
            sb.append(", ...");
        }
        sb.append(';');
    }

    private static String torchSuffix(String dl4j, boolean bn) {
        return switch (dl4j) {
            case "W" -> "weight";
            case "b" -> "bias";
            case "gamma" -> "weight";
            case "beta" -> "bias";
            case "mean" -> "running_mean";
            case "var" -> "running_var";
            default -> throw new IllegalStateException("no PyTorch name for DL4J parameter " + dl4j
                    + (bn ? " of a batch norm" : ""));
        };
    }

    /** [out, in/G, kh, kw] grouped weight to the block-diagonal dense [out, in, kh, kw]. */
    static INDArray expandGrouped(INDArray w, long[] dense, int groups) {
        float[] src = w.dup('c').data().asFloat();
        int out = (int) dense[0];
        int in = (int) dense[1];
        int khw = (int) (dense[2] * dense[3]);
        int inPer = in / groups;
        int outPer = out / groups;
        float[] dst = new float[out * in * khw];
        for (int o = 0; o < out; o++) {
            int g = o / outPer;
            System.arraycopy(src, o * inPer * khw, dst, (o * in + g * inPer) * khw, inPer * khw);
        }
        return Nd4j.create(dst, dense, 'c');
    }
}
