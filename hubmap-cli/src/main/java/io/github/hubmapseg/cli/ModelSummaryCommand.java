package io.github.hubmapseg.cli;

import io.github.hubmapseg.models.ModelSummary;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.Upsampling;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hubmap model summary --arch unet --encoder resnext50_32x4d}: layers, output shapes, free-parameter
 * counts (PyTorch convention) and output stride, computed from the configuration (no weights allocated).
 */
@Command(name = "summary", mixinStandardHelpOptions = true,
        description = "Print a model's layers, parameter counts and output stride.")
final class ModelSummaryCommand implements Callable<Integer> {
    @Option(names = "--arch", defaultValue = "unet", description = "Architecture: unet, fpn, linknet, pan, manet"
            + " (default ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--encoder", required = true, description = "Encoder, e.g. resnext50_32x4d.")
    String encoder;

    @Option(names = "--size", defaultValue = "256", description = "Input height and width in pixels for the"
            + " shapes (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--in-channels", defaultValue = "3", description = "Input channels (default ${DEFAULT-VALUE}).")
    int inChannels;

    @Option(names = "--no-layers", description = "Print only the totals.")
    boolean noLayers;

    @Option(names = "--decoder-channels", split = ",", paramLabel = "C", description = "U-Net decoder block"
            + " channels, e.g. 256,128,64,32,16.")
    List<Integer> decoderChannels;

    @Option(names = "--upsampling", description = "U-Net upsampling: ${COMPLETION-CANDIDATES}.")
    Upsampling upsampling;

    @Option(names = "--aspp", paramLabel = "CHANNELS", description = "U-Net: ASPP with this many channels at the"
            + " bottleneck.")
    Integer aspp;

    @Option(names = "--aspp-rates", split = ",", defaultValue = "1,2,3,4", description = "ASPP dilation rates"
            + " (default ${DEFAULT-VALUE}).")
    List<Integer> asppRates;

    @Option(names = "--hypercolumn", paramLabel = "CHANNELS", description = "U-Net: hypercolumn of the decoder"
            + " blocks; 0 = as they are, > 0 = FPN convs to this many channels first (3rd place: 16).")
    Integer hypercolumn;

    @Option(names = "--scse", description = "U-Net: scSE attention in the decoder blocks.")
    boolean scse;

    @Option(names = "--deep-supervision", description = "U-Net: deep-supervision outputs (strides 16, 8, 4, 2).")
    boolean deepSupervision;

    @Option(names = "--classification-head", description = "A tile classification output.")
    boolean classificationHead;

    @Option(names = "--pan-channels", paramLabel = "C", description = "PAN: smp's decoder_channels (default 32).")
    Integer panChannels;

    @Option(names = "--encoder-output-stride", paramLabel = "S", description = "PAN: smp's encoder_output_stride,"
            + " 16 (default: the encoder's last stage dilated) or 32.")
    Integer encoderOutputStride;

    @Option(names = "--pab-channels", paramLabel = "C", description = "MAnet: smp's decoder_pab_channels (default"
            + " 64).")
    Integer pabChannels;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Models.Builder b = Models.builder(arch, encoder).inChannels(inChannels);
        if (decoderChannels != null) {
            b.decoderChannels(decoderChannels);
        }
        if (upsampling != null) {
            b.upsampling(upsampling);
        }
        if (aspp != null) {
            b.aspp(aspp, asppRates);
        }
        if (hypercolumn != null) {
            b.hypercolumn(hypercolumn);
        }
        if (panChannels != null) {
            b.panChannels(panChannels);
        }
        if (encoderOutputStride != null) {
            b.encoderOutputStride(encoderOutputStride);
        }
        if (pabChannels != null) {
            b.pabChannels(pabChannels);
        }
        b.scse(scse).deepSupervision(deepSupervision).classificationHead(classificationHead);
        ModelSummary s = b.summary(size, size);
        String text = s.format();
        if (noLayers) {
            text = text.substring(text.indexOf("trainable parameters"));
        }
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
