package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModelSummaryCommandTest {

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
    void printsTorchvisionParameterCountAndOutputStride() {
        String[] r = run("model", "summary", "--arch", "unet", "--encoder", "resnext50_32x4d", "--size", "64");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("encoder parameters:   22,979,904").contains("output stride:        32")
                .contains("layer4.2.conv2").contains("segmentation_head.0");
    }

    @Test
    void unknownEncoderIsOneLineListingValidNames() {
        String[] r = run("model", "summary", "--encoder", "resnext50");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).startsWith("hubmap: error: unknown encoder 'resnext50'").contains("resnext50_32x4d")
                .doesNotContain("at io.github");
    }

    @Test
    void sizeNotMultipleOfStrideIsAnError() {
        String[] r = run("model", "summary", "--encoder", "tiny", "--size", "100");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).contains("100x100").contains("output stride 32");
    }

    @Test
    void fpnResnet34AndUnetOptions() {
        String[] r = run("model", "summary", "--arch", "fpn", "--encoder", "resnet34", "--size", "64");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("fpn / resnet34").contains("decoder.p5").contains("encoder parameters:   21,284,672");
        r = run("model", "summary", "--encoder", "tiny", "--size", "64", "--upsampling", "PIXEL_SHUFFLE", "--aspp",
                "32", "--hypercolumn", "16", "--scse", "--deep-supervision", "--classification-head");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("decoder.aspp.project.0").contains("decoder.blocks.0.shuffle.2")
                .contains("deep_supervision.3").contains("classification_head.3");
        r = run("model", "summary", "--arch", "linknet", "--encoder", "tiny", "--scse");
        assertThat(r[0]).isNotEqualTo("0");
        assertThat(r[2]).startsWith("hubmap: error: options not applicable to linknet: scse");
    }
}
