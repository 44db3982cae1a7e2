package io.github.hubmapseg.models;

/** How a decoder doubles the spatial size. */
public enum Upsampling {
    /** Nearest-neighbour (smp's U-Net default: {@code F.interpolate(scale_factor=2, mode="nearest")}). */
    NEAREST
}
