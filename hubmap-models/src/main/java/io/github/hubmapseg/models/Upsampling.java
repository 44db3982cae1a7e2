package io.github.hubmapseg.models;

/** How a U-Net decoder block doubles the spatial size. */
public enum Upsampling {
    /** Nearest-neighbour (smp's U-Net default: {@code F.interpolate(scale_factor=2, mode="nearest")}). */
    NEAREST,
    /**
     * Sub-pixel convolution (3rd place, fastai's {@code PixelShuffle_ICNR}): a 1x1 conv with bias from C to 4C
     * channels ({@code decoder.blocks.i.shuffle.0}), ReLU, then PyTorch's {@code nn.PixelShuffle(2)}
     * ({@link PixelShuffleVertex}, channel order {@code c*4 + i*2 + j}). The conv is ICNR-initialised (each
     * group of 4 sub-pixel kernels starts equal), so a fresh block starts like a nearest upsampling.
     */
    PIXEL_SHUFFLE
}
