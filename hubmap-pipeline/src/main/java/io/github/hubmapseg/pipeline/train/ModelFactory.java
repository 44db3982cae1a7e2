package io.github.hubmapseg.pipeline.train;

import io.github.hubmapseg.losses.dl4j.SegLossLayer;
import io.github.hubmapseg.models.Models;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.config.Recipe;
import java.util.List;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;

/**
 * Builds the model a recipe describes: {@code Models.builder(model.architecture, model.encoder)} with decoder
 * channels {@code (8b, 4b, 2b, b, b)} for {@code b = model.base_channels}, the recipe's loss as a
 * {@link SegLossLayer} output layer (so the model's output at inference is the sigmoid probability), and the
 * optimizer: {@code adam}; {@code adamw} = Adam with decoupled weight decay ({@link WeightDecay} on the
 * convolution weights, scaled by the learning rate as in PyTorch's AdamW); {@code sgd}; {@code ranger} =
 * {@link Ranger} (RAdam + Lookahead with Ranger's defaults).
 */
public final class ModelFactory {
    private ModelFactory() {
    }

    /**
     * @param recipe the recipe
     * @return a freshly initialised model (seeded with {@code train.seed})
     */
    public static SegmentationModel create(Recipe recipe) {
        Recipe.Model m = recipe.model();
        Recipe.Train t = recipe.train();
        int b = m.baseChannels();
        IUpdater updater = switch (t.optimizer()) {
            case "adam", "adamw" -> new Adam(t.lr().maxLr());
            case "sgd" -> new Sgd(t.lr().maxLr());
            case "ranger" -> new Ranger(t.lr().maxLr());
            default -> throw new IllegalArgumentException("train.optimizer '" + t.optimizer()
                    + "' is not available on the DL4J backend; use adam, adamw, sgd or ranger");
        };
        SegmentationModel model = Models.builder(m.architecture(), m.encoder())
                .decoderChannels(List.of(8 * b, 4 * b, 2 * b, b, b))
                .outputLayer(SegLossLayer.builder(t.loss()).build())
                .updater(updater).seed(t.seed()).build();
        if (t.optimizer().equals("adamw") && t.weightDecay() > 0) {
            ComputationGraph g = model.graph();
            for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
                if (l.conf().getLayer() instanceof ConvolutionLayer c) {
                    ((BaseLayer) c).setRegularization(List.<Regularization>of(new WeightDecay(t.weightDecay(), true)));
                }
            }
        }
        return model;
    }
}
