package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.junit.jupiter.api.Test;
import org.nd4j.shade.jackson.databind.ObjectMapper;

/**
 * The saved form of the parameter-free vertices (DL4J's configuration JSON, inside every checkpoint) stays as it
 * was: {@code src/test/resources/vertices/golden.json} was written by the vertices as they were before their
 * runtime moved into {@link ParameterFreeVertex} (commit 5e36f66), with non-default settings; each must serialise
 * to the same text, and that text must read back to an equal vertex. Also the shared input check and output types.
 */
class ParameterFreeVertexTest {
    private static final Path GOLDEN = Paths.get("src", "test", "resources", "vertices", "golden.json");

    /** @return one vertex of each kind, non-default settings where it has any */
    static Map<String, GraphVertex> vertices() {
        Map<String, GraphVertex> v = new LinkedHashMap<>();
        v.put("bilinearResize", new BilinearResizeVertex());
        v.put("bilinearUpsample", new BilinearUpsampleVertex(4));
        v.put("dilationPhases", new DilationPhasesVertex(3, true));
        v.put("expand", new ExpandVertex());
        v.put("globalAvgPool", new GlobalAvgPoolVertex());
        v.put("groupNorm", new GroupNormVertex(8, 1e-3));
        v.put("heightConcat", new HeightConcatVertex());
        v.put("pixelShuffle", new PixelShuffleVertex());
        v.put("positionAttention", new PositionAttentionVertex());
        v.put("reduce", new ReduceVertex(ReduceVertex.Kind.CHANNEL_MAX_MEAN));
        return v;
    }

    static String json() throws Exception {
        ObjectMapper m = NeuralNetConfiguration.mapper();
        StringBuilder b = new StringBuilder("{\n");
        for (Map.Entry<String, GraphVertex> e : vertices().entrySet()) {
            b.append(b.length() > 2 ? ",\n" : "").append("  \"").append(e.getKey()).append("\": ")
                    .append(m.writeValueAsString(e.getValue()).replaceAll("\\s+", " "));
        }
        return b.append("\n}\n").toString();
    }

    @Test
    void serialisedFormIsUnchangedAndReadsBack() throws Exception {
        if (System.getProperty("vertices.golden.write") != null) {
            Files.writeString(GOLDEN, json());
        }
        assertThat(json()).isEqualTo(Files.readString(GOLDEN));
        ObjectMapper m = NeuralNetConfiguration.mapper();
        for (Map.Entry<String, GraphVertex> e : vertices().entrySet()) {
            GraphVertex back = m.readValue(m.writeValueAsString(e.getValue()), GraphVertex.class);
            assertThat(back).as(e.getKey()).isEqualTo(e.getValue()).isEqualTo(e.getValue().clone());
        }
    }

    @Test
    void inputsOtherThanTheDeclaredConvolutionalOnesAreNamed() {
        InputType conv = InputType.convolutional(4, 5, 3, CNN2DFormat.NHWC);
        assertThatThrownBy(() -> new ExpandVertex().getOutputType(0, conv))
                .isInstanceOf(InvalidInputTypeException.class)
                .hasMessage("ExpandVertex takes 2 convolutional inputs, got [" + conv + "]");
        assertThatThrownBy(() -> new GlobalAvgPoolVertex().getOutputType(0, InputType.feedForward(3)))
                .isInstanceOf(InvalidInputTypeException.class)
                .hasMessageStartingWith("GlobalAvgPoolVertex takes one convolutional input, got [InputTypeFeedForward");
        assertThatThrownBy(() -> new PositionAttentionVertex().getOutputType(0, conv, conv, InputType.feedForward(3)))
                .isInstanceOf(InvalidInputTypeException.class).hasMessageContaining("takes 3 convolutional inputs");
    }

    @Test
    void outputTypesAreNhwcOfTheSettings() throws Exception {
        InputType x = InputType.convolutional(4, 6, 8, CNN2DFormat.NHWC);
        InputType ref = InputType.convolutional(9, 11, 2, CNN2DFormat.NHWC);
        assertThat(new BilinearResizeVertex().getOutputType(0, x, ref))
                .isEqualTo(InputType.convolutional(9, 11, 8, CNN2DFormat.NHWC));
        assertThat(new BilinearUpsampleVertex(3).getOutputType(0, x))
                .isEqualTo(InputType.convolutional(12, 18, 8, CNN2DFormat.NHWC));
        assertThat(new DilationPhasesVertex(2, false).getOutputType(0, x))
                .isEqualTo(InputType.convolutional(2, 3, 8, CNN2DFormat.NHWC));
        assertThat(new PixelShuffleVertex().getOutputType(0, x))
                .isEqualTo(InputType.convolutional(8, 12, 2, CNN2DFormat.NHWC));
        assertThat(new ReduceVertex(ReduceVertex.Kind.GLOBAL_MAX).getOutputType(0, x))
                .isEqualTo(InputType.convolutional(1, 1, 8, CNN2DFormat.NHWC));
        assertThatThrownBy(() -> new GroupNormVertex(3, 1e-5).getOutputType(0, x))
                .isInstanceOf(InvalidInputTypeException.class).hasMessageContaining("channels 8");
    }
}
