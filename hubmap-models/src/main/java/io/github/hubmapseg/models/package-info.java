/**
 * Deeplearning4j segmentation models (U-Net, FPN, Linknet with ResNet, ResNeXt, SE-ResNeXt and
 * EfficientNet encoders), their one checkpoint format, the oneDNN-fast CPU runtime and the {@code Predictor}
 * over a model ({@link io.github.hubmapseg.models.ModelPredictor}, its output activation recorded in the checkpoint).
 */
package io.github.hubmapseg.models;
