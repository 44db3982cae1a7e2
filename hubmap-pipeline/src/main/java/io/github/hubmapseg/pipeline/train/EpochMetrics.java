package io.github.hubmapseg.pipeline.train;

/**
 * Metrics of one training epoch.
 *
 * @param epoch     epoch number, from 1
 * @param trainLoss mean training loss over the epoch's steps
 * @param valLoss   mean validation BCE ({@code NaN} without validation)
 * @param softDice  soft Dice {@code 2 sum(p t) / (sum p + sum t)} pooled over the validation tiles
 * @param hardDice  Dice of the mask {@code p >= 0.5} pooled over the validation tiles
 * @param lr        learning rate of the epoch's last step
 * @param seconds   wall time of the epoch (training and validation)
 */
public record EpochMetrics(int epoch, double trainLoss, double valLoss, double softDice, double hardDice, double lr,
                           double seconds) {
}
