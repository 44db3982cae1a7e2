/**
 * Deeplearning4j segmentation models (U-Net, FPN, Linknet with ResNet, ResNeXt, SE-ResNeXt and
 * EfficientNet encoders), their one checkpoint format and the oneDNN-fast CPU runtime.
 */
package io.github.hubmapseg.models;
