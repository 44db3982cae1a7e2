package io.github.hubmapseg.cli;

import static io.github.hubmapseg.cli.CliTests.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.cli.CliTests.Result;
import org.junit.jupiter.api.Test;

class ModelSummaryCommandTest {

    @Test
    void printsTorchvisionParameterCountAndOutputStride() {
        Result r = run("model", "summary", "--arch", "unet", "--encoder", "resnext50_32x4d", "--size", "64");
        assertThat(r.code()).isEqualTo(0);
        assertThat(r.out()).contains("encoder parameters:   22,979,904").contains("output stride:        32")
                .contains("layer4.2.conv2").contains("segmentation_head.0");
    }

    @Test
    void unknownEncoderIsOneLineListingValidNames() {
        Result r = run("model", "summary", "--encoder", "resnext50");
        assertThat(r.code()).isNotEqualTo(0);
        assertThat(r.err()).startsWith("hubmap: error: unknown encoder 'resnext50'").contains("resnext50_32x4d")
                .doesNotContain("at io.github");
    }

    @Test
    void sizeNotMultipleOfStrideIsAnError() {
        Result r = run("model", "summary", "--encoder", "tiny", "--size", "100");
        assertThat(r.code()).isNotEqualTo(0);
        assertThat(r.err()).contains("100x100").contains("output stride 32");
    }

    @Test
    void fpnResnet34AndUnetOptions() {
        Result r = run("model", "summary", "--arch", "fpn", "--encoder", "resnet34", "--size", "64");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("fpn / resnet34").contains("decoder.p5")
                .contains("encoder parameters:   21,284,672");
        r = run("model", "summary", "--encoder", "tiny", "--size", "64", "--upsampling", "PIXEL_SHUFFLE", "--aspp",
                "32", "--hypercolumn", "16", "--scse", "--deep-supervision", "--classification-head");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("decoder.aspp.project.0").contains("decoder.blocks.0.shuffle.2")
                .contains("deep_supervision.3").contains("classification_head.3");
        r = run("model", "summary", "--arch", "linknet", "--encoder", "tiny", "--scse");
        assertThat(r.code()).isNotEqualTo(0);
        assertThat(r.err()).startsWith("hubmap: error: options not applicable to linknet: scse");
    }

    /**
     * smp's PAN and MAnet with their defaults on resnet34; the parameter counts are torch's
     * ({@code sum(p.numel() for p in model.parameters())}) of our transcription of smp's modules
     * ({@code hubmap-models/src/test/python/ref_panmanet.py}: {@code PAN(encoder("resnet34"))},
     * {@code MAnet(encoder("resnet34"))}).
     */
    @Test
    void panAndManet() {
        Result r = run("model", "summary", "--arch", "pan", "--encoder", "resnet34", "--size", "128", "--no-layers");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("trainable parameters: 21,475,816");
        r = run("model", "summary", "--arch", "pan", "--encoder", "resnet34", "--size", "128",
                "--encoder-output-stride", "32", "--pan-channels", "16");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("decoder.fpa.down3.2.conv").contains("decoder.gau3.conv1.1.bn");
        r = run("model", "summary", "--arch", "manet", "--encoder", "resnet34", "--size", "128");
        assertThat(r.code()).as(r.err()).isEqualTo(0);
        assertThat(r.out()).contains("decoder.center.attention").contains("trainable parameters: 31,783,633");
        r = run("model", "summary", "--arch", "pan", "--encoder", "resnext50_32x4d");
        assertThat(r.code()).isNotEqualTo(0);
        assertThat(r.err()).startsWith("hubmap: error: conv encoder.layer4.0.conv2: a grouped convolution cannot be"
                + " dilated");
    }
}
