package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.cli.CliTests.Result;
import org.junit.jupiter.api.Test;

/** {@code hubmap model summary} with the SE-ResNeXt and EfficientNet encoders. */
class ModelSummaryEncodersTest {

    @Test
    void efficientNetB3PrintsTorchvisionLayersParametersAndStride() {
        Result r = run("model", "summary", "--arch", "unet", "--encoder", "tv-efficientnet-b3", "--size", "64");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        // 10,103,336 = sum(p.numel()) of torchvision efficientnet_b3().features[0:8]
        assertThat(r.out()).contains("encoder parameters:   10,103,336").contains("output stride:        32")
                .contains("encoder.features.0.0").contains("encoder.features.7.1.block.3.1")
                .contains("DepthwiseConvolution2D").contains("segmentation_head.0");
    }

    @Test
    void seResnext101TotalsOnly() {
        Result r = run("model", "summary", "--encoder", "se_resnext101_32x4d", "--no-layers");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        // pretrainedmodels se_resnext101_32x4d without last_linear: 46,906,416 free parameters
        assertThat(r.out()).contains("encoder parameters:   46,906,416").doesNotContain("layer4.2.conv2");
    }
}
