package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * The small graphs of the vertex tests: one builder (input "in", seed 7, no updater, workspaces on), and one
 * serialisation round trip through {@link ModelSerializer} (the configuration's JSON and the parameters).
 */
final class VertexGraphs {
    private VertexGraphs() {
    }

    /**
     * @param type the network data type
     * @param input the type of the input "in"
     * @return a graph builder with the input declared
     */
    static GraphBuilder builder(DataType type, InputType input) {
        Dl4jRuntime.configure();
        return new NeuralNetConfiguration.Builder().dataType(type).seed(7).updater(new NoOp())
                .trainingWorkspaceMode(WorkspaceMode.ENABLED).inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                .graphBuilder().addInputs("in").setInputTypes(input);
    }

    /** @return the built and initialised graph */
    static ComputationGraph init(GraphBuilder g) {
        ComputationGraph n = new ComputationGraph(g.build());
        n.init();
        return n;
    }

    /**
     * Asserts that {@code n} written to a zip and read back gives bit-identical output on {@code in}.
     *
     * @param n the graph
     * @param dir where the zip goes
     * @param in an input
     * @param prepare what a user does to a restored graph before use (e.g. bypass oneDNN for dilated convs)
     */
    static void assertSurvivesSerialisation(ComputationGraph n, Path dir, INDArray in, Consumer<ComputationGraph> prepare)
            throws IOException {
        Path f = dir.resolve("graph.zip");
        ModelSerializer.writeModel(n, f.toFile(), true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(f.toFile(), true);
        prepare.accept(back);
        assertThat(back.getConfiguration().toJson()).isEqualTo(n.getConfiguration().toJson());
        assertThat(back.outputSingle(in).equalsWithEps(n.outputSingle(in), 0)).isTrue();
    }
}
