package io.github.hubmapseg.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * What {@code hubmap model summary} prints: the layers, parameter counts and output stride of a model.
 * Free-parameter counts equal PyTorch's {@code sum(p.numel() for p in model.parameters())}: batch-norm
 * running statistics (buffers in PyTorch, parameters in DL4J) and masked weights of grouped convolutions
 * are not counted.
 *
 * @param arch architecture name
 * @param encoder encoder name
 * @param inputShape input {@code [H, W, C]} the shapes refer to
 * @param outputStride stride of the deepest encoder feature; input sizes must be multiples of it
 * @param layers the layers in topological order
 * @param trainableParams free parameters of the whole model
 * @param encoderParams free parameters of the encoder
 * @param storedParams parameters DL4J stores (including running statistics and masked zeros)
 */
public record ModelSummary(String arch, String encoder, long[] inputShape, int outputStride, List<LayerInfo> layers,
        long trainableParams, long encoderParams, long storedParams) {

    /** @return a human-readable table */
    public String format() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s / %s, input %dx%dx%d (HxWxC, NHWC)%n", arch, encoder,
                inputShape[0], inputShape[1], inputShape[2]));
        sb.append(String.format(Locale.ROOT, "%-44s %-22s %-18s %12s%n", "layer", "type", "output (HxWxC)",
                "params"));
        for (LayerInfo l : layers) {
            String shape = l.outputShape() == null ? "?" : l.outputShape()[0] + "x" + l.outputShape()[1] + "x"
                    + l.outputShape()[2];
            sb.append(String.format(Locale.ROOT, "%-44s %-22s %-18s %,12d%n", l.name(), l.type(), shape,
                    l.params()));
        }
        sb.append(String.format(Locale.ROOT, "trainable parameters: %,d%n", trainableParams));
        sb.append(String.format(Locale.ROOT, "encoder parameters:   %,d%n", encoderParams));
        sb.append(String.format(Locale.ROOT, "stored by DL4J:       %,d (incl. batch-norm statistics, masked"
                + " group weights)%n", storedParams));
        sb.append(String.format(Locale.ROOT, "output stride:        %d (input height and width must be multiples)%n",
                outputStride));
        return sb.toString();
    }

    /**
     * Computes a summary from a graph configuration alone (nothing is allocated).
     *
     * @param arch architecture name
     * @param encoder encoder name
     * @param inChannels input channels
     * @param outputStride output stride
     * @param conf the graph configuration
     * @param groupedConvs masked grouped convolutions: name to {groups, kernel}
     * @param batchNorms batch-norm layer names
     * @param height input height
     * @param width input width
     * @return the summary
     */
    static ModelSummary of(String arch, String encoder, int inChannels, int outputStride,
            ComputationGraphConfiguration conf, Map<String, int[]> groupedConvs, List<String> batchNorms,
            int height, int width) {
        Map<String, InputType> types = conf.getLayerActivationTypes(
                InputType.convolutional(height, width, inChannels, Blocks.FORMAT));
        List<LayerInfo> rows = new ArrayList<>();
        java.util.Set<String> bns = new java.util.HashSet<>(batchNorms);
        long total = 0;
        long enc = 0;
        long stored = 0;
        for (String name : conf.getNetworkInputs()) {
            rows.add(new LayerInfo(name, "Input", new long[] {height, width, inChannels}, 0));
        }
        // vertices are kept in insertion order, which is topological for graphs built by Blocks
        List<String> order = conf.getTopologicalOrderStr() != null ? conf.getTopologicalOrderStr()
                : new ArrayList<>(conf.getVertices().keySet());
        for (String name : order) {
            GraphVertex v = conf.getVertices().get(name);
            if (v == null) {
                continue;
            }
            String type = v.getClass().getSimpleName();
            long n = 0;
            if (v instanceof LayerVertex lv) {
                Layer layer = lv.getLayerConf().getLayer();
                type = layer.getClass().getSimpleName();
                long all = layer.initializer().numParams(lv.getLayerConf());
                stored += all;
                n = all;
                if (bns.contains(name)) {
                    n -= 2 * ((FeedForwardLayer) layer).getNOut();
                }
                int[] g = groupedConvs.get(name);
                if (g != null && !(layer instanceof GroupedConvolutionLayer)) { // masked dense form (old checkpoints)
                    FeedForwardLayer f = (FeedForwardLayer) layer;
                    n -= GroupMaskConstraint.maskedCount(f.getNOut(), f.getNIn(), g[1], g[1], g[0]);
                }
            }
            total += n;
            if (name.startsWith("encoder.") || "encoder".equals(arch)) {
                enc += n;
            }
            InputType t = types.get(name);
            long[] shape = null;
            if (t instanceof InputType.InputTypeConvolutional c) {
                shape = new long[] {c.getHeight(), c.getWidth(), c.getChannels()};
            }
            rows.add(new LayerInfo(name, type, shape, n));
        }
        return new ModelSummary(arch, encoder, new long[] {height, width, inChannels}, outputStride, rows, total,
                enc, stored);
    }
}
