package io.github.hubmapseg.models;

/**
 * One row of a {@link ModelSummary}.
 *
 * @param name layer or vertex name (PyTorch module name for layers with weights)
 * @param type DL4J layer or vertex type
 * @param outputShape output shape for the summary's input size, {@code [H, W, C]} (NHWC, batch omitted)
 * @param params free (trainable) parameters: excludes batch-norm running statistics and masked weights
 */
public record LayerInfo(String name, String type, long[] outputShape, long params) {
}
