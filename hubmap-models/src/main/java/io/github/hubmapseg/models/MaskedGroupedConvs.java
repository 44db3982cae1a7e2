package io.github.hubmapseg.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Converts checkpoints of the earlier grouped-convolution form (a dense convolution whose weights outside the
 * groups a {@link GroupMaskConstraint} holds at zero, weight {@code [out, in, k, k]}) to
 * {@link GroupedConvolutionLayer} (weight {@code [out, in/G, k, k]}): the configuration's layer class, the
 * parameters and the optimizer state (each state array of an updater block is compacted like the weight), so that
 * the converted model gives the same outputs and resumes training with the same moments.
 */
final class MaskedGroupedConvs {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MaskedGroupedConvs() {
    }

    /**
     * @param c checkpoint contents as read
     * @return the contents unchanged when they hold no masked grouped convolution, else converted ones
     */
    static Checkpoints.Contents migrate(Checkpoints.Contents c) {
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(c.configuration());
        } catch (IOException | ClassCastException e) {
            return c; // not JSON DL4J can read either: building the graph reports it
        }
        Map<String, Integer> groups = new LinkedHashMap<>();
        convert(root, groups);
        if (groups.isEmpty()) {
            return c;
        }
        String json = root.toString();
        ComputationGraph old = new ComputationGraph(ComputationGraphConfiguration.fromJson(c.configuration()));
        old.init(c.params(), false);
        ComputationGraph neu = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
        neu.init();
        try {
            for (Layer l : neu.getLayers()) {
                String name = l.conf().getLayer().getLayerName();
                Layer o = old.getLayer(name);
                for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                    p.getValue().assign(compact(o.getParam(p.getKey()), p.getValue().shape(), groups.get(name)));
                }
            }
            INDArray state = null;
            if (c.updaterState() != null) {
                old.getUpdater(true).setStateViewArray(c.updaterState());
                List<UpdaterBlock> ob = old.getUpdater(true).getUpdaterBlocks();
                List<UpdaterBlock> nb = neu.getUpdater(true).getUpdaterBlocks();
                if (ob.size() != nb.size()) {
                    throw new IllegalStateException("updater blocks differ after conversion: " + ob.size() + " vs "
                            + nb.size());
                }
                for (int b = 0; b < ob.size(); b++) {
                    copyState(ob.get(b), nb.get(b), groups, old, neu);
                }
                state = neu.getUpdater(true).getStateViewArray().dup();
            }
            return new Checkpoints.Contents(c.model(), json, neu.params().dup(), state, c.metadata());
        } finally {
            old.close();
            neu.close();
        }
    }

    /** Rewrites masked grouped conv layers in place, collecting their names and group counts. */
    private static void convert(JsonNode node, Map<String, Integer> groups) {
        if (node instanceof ObjectNode o) {
            JsonNode cons = o.get("constraints");
            if (o.has("@class") && o.get("@class").asText().endsWith("ConvolutionLayer") && cons instanceof ArrayNode a) {
                for (Iterator<JsonNode> it = a.elements(); it.hasNext();) {
                    JsonNode k = it.next();
                    if (k.has("@class") && k.get("@class").asText().equals(GroupMaskConstraint.class.getName())
                            && k.path("groups").asInt(1) > 1) {
                        groups.put(o.path("layerName").asText(), k.get("groups").asInt());
                        o.put("@class", GroupedConvolutionLayer.class.getName());
                        o.put("groups", k.get("groups").asInt());
                        it.remove();
                        break;
                    }
                }
                if (a.isEmpty()) {
                    o.putNull("constraints");
                }
            }
            o.elements().forEachRemaining(e -> convert(e, groups));
        } else if (node instanceof ArrayNode a) {
            a.elements().forEachRemaining(e -> convert(e, groups));
        }
    }

    /** {@code v} reshaped to {@code shape}, compacted from the block-diagonal dense form when the shapes differ. */
    private static INDArray compact(INDArray v, long[] shape, Integer groups) {
        if (v.length() == Arrays.stream(shape).reduce(1, (x, y) -> x * y)) {
            return v.reshape(shape);
        }
        if (groups == null || v.rank() != 4) {
            throw new IllegalStateException("cannot convert a " + Arrays.toString(v.shape()) + " parameter to "
                    + Arrays.toString(shape));
        }
        return TorchWeights.compactGrouped(v, groups).castTo(v.dataType());
    }

    /** A view of {@code length} values from {@code start} of a row vector ({@code [n]} or {@code [1, n]}). */
    private static INDArray segment(INDArray v, long start, long length) {
        return v.rank() == 1 ? v.get(NDArrayIndex.interval(start, start + length))
                : v.get(NDArrayIndex.point(0), NDArrayIndex.interval(start, start + length));
    }

    /** Copies an updater block's state arrays (c stacked arrays of the block's parameters), compacting weights. */
    private static void copyState(UpdaterBlock ob, UpdaterBlock nb, Map<String, Integer> groups, ComputationGraph old,
            ComputationGraph neu) {
        INDArray ov = ob.getUpdaterView();
        INDArray nv = nb.getUpdaterView();
        if (ov == null || nv == null || ov.length() == 0) {
            return;
        }
        long on = ob.getParamOffsetEnd() - ob.getParamOffsetStart();
        long nn = nb.getParamOffsetEnd() - nb.getParamOffsetStart();
        long states = ov.length() / on;
        List<UpdaterBlock.ParamState> ops = ob.getLayersAndVariablesInBlock();
        List<UpdaterBlock.ParamState> nps = nb.getLayersAndVariablesInBlock();
        if (ops.size() != nps.size() || states * on != ov.length() || states * nn != nv.length()) {
            throw new IllegalStateException("updater block layout differs after conversion");
        }
        for (int i = 0; i < ops.size(); i++) {
            UpdaterBlock.ParamState op = ops.get(i);
            UpdaterBlock.ParamState np = nps.get(i);
            long os = op.getParamOffsetStart() - ob.getParamOffsetStart();
            long ol = op.getParamOffsetEnd() - op.getParamOffsetStart();
            long ns = np.getParamOffsetStart() - nb.getParamOffsetStart();
            long nl = np.getParamOffsetEnd() - np.getParamOffsetStart();
            String name = np.getLayer().getConfig().getLayerName();
            for (long s = 0; s < states; s++) {
                INDArray src = segment(ov, s * on + os, ol).dup()
                        .reshape(old.getLayer(name).getParam(op.getParamName()).shape());
                INDArray dst = segment(nv, s * nn + ns, nl);
                dst.assign(compact(src, neu.getLayer(name).getParam(np.getParamName()).shape(), groups.get(name))
                        .reshape(dst.shape()));
            }
        }
    }
}
