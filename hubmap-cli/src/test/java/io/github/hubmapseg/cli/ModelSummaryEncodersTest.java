package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code hubmap model summary} with the SE-ResNeXt and EfficientNet encoders. */
class ModelSummaryEncodersTest {

    private static String[] run(String... args) {
        CommandLine cl = HubmapCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void efficientNetB3PrintsTorchvisionLayersParametersAndStride() {
        String[] r = run("model", "summary", "--arch", "unet", "--encoder", "tv-efficientnet-b3", "--size", "64");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        // 10,103,336 = sum(p.numel()) of torchvision efficientnet_b3().features[0:8]
        assertThat(r[1]).contains("encoder parameters:   10,103,336").contains("output stride:        32")
                .contains("encoder.features.0.0").contains("encoder.features.7.1.block.3.1")
                .contains("DepthwiseConvolution2D").contains("segmentation_head.0");
    }

    @Test
    void seResnext101TotalsOnly() {
        String[] r = run("model", "summary", "--encoder", "se_resnext101_32x4d", "--no-layers");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        // pretrainedmodels se_resnext101_32x4d without last_linear: 46,906,416 free parameters
        assertThat(r[1]).contains("encoder parameters:   46,906,416").doesNotContain("layer4.2.conv2");
    }
}
