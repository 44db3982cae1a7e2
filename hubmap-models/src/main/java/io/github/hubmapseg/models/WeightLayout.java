package io.github.hubmapseg.models;

/**
 * Where a state_dict's tensor names come from; {@link WeightLayouts} detects it and renames to this project's names
 * (which are smp's for whole models and the encoder's own library's for encoders).
 */
public enum WeightLayout {
    /**
     * A whole segmentation_models_pytorch model ({@code encoder.*}, {@code decoder.*}, {@code segmentation_head.*}):
     * smp's resnet/resnext encoders have torchvision's names, its {@code se_resnext*} Cadene's; also smp's own
     * {@code efficientnet-bN} encoder files (lukemelas EfficientNet-PyTorch: {@code _conv_stem}, {@code _blocks.N}).
     */
    SMP,
    /** torchvision classification models ({@code resnet34}, {@code resnext50_32x4d}, {@code efficientnet_bN}). */
    TORCHVISION,
    /**
     * timm models: {@code resnet*}/{@code resnext*} (torchvision's names, e.g. the 3rd place's
     * {@code swsl_resnext50_32x4d}/{@code fb_swsl_ig1b} weights) and {@code seresnext*_32x4d} ({@code conv1},
     * {@code bn1}, {@code se.fc1}; imported into {@code seresnextNN_32x4d}, whose stem pool is timm's).
     */
    TIMM,
    /** Cadene's pretrainedmodels {@code se_resnext50_32x4d}/{@code se_resnext101_32x4d} ({@code layer0.conv1}). */
    CADENE
}
