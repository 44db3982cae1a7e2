package io.github.hubmapseg.pipeline.threshold;

import io.github.hubmapseg.pipeline.plot.LineChart;
import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Dice for every threshold of a grid: per image ({@code perImage[image][k]}), mean over images (the Kaggle
 * metric) and pooled over all pixels. Immutable: accessors return copies.
 *
 * @param thresholds the grid, strictly increasing
 * @param imageIds   image ids in the order they were first added
 * @param perImage   Dice per image and threshold
 * @param meanDice   mean over images, per threshold
 * @param pooledDice Dice of all pixels pooled, per threshold
 */
public record ThresholdTable(double[] thresholds, List<String> imageIds, double[][] perImage, double[] meanDice,
                             double[] pooledDice) {

    /** Which Dice to optimise. */
    public enum Mode {
        /** Mean of the per-image Dice (the Kaggle leaderboard metric). */
        MEAN_OVER_IMAGES,
        /** Dice of all pixels pooled together. */
        POOLED
    }

    /**
     * The best threshold for a mode.
     *
     * @param index     index in the grid
     * @param threshold the threshold
     * @param dice      its Dice
     */
    public record Best(int index, double threshold, double dice) {
    }

    /** Copies and checks the shapes. */
    public ThresholdTable {
        int n = thresholds.length;
        if (meanDice.length != n || pooledDice.length != n || perImage.length != imageIds.size()) {
            throw new IllegalArgumentException("inconsistent table shapes: " + n + " thresholds, " + meanDice.length
                    + " mean, " + pooledDice.length + " pooled, " + perImage.length + " rows for "
                    + imageIds.size() + " images");
        }
        thresholds = thresholds.clone();
        imageIds = List.copyOf(imageIds);
        double[][] rows = new double[perImage.length][];
        for (int i = 0; i < rows.length; i++) {
            if (perImage[i].length != n) {
                throw new IllegalArgumentException("row " + i + " has " + perImage[i].length + " values, expected " + n);
            }
            rows[i] = perImage[i].clone();
        }
        perImage = rows;
        meanDice = meanDice.clone();
        pooledDice = pooledDice.clone();
    }

    @Override
    public double[] thresholds() {
        return thresholds.clone();
    }

    @Override
    public double[][] perImage() {
        double[][] rows = new double[perImage.length][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = perImage[i].clone();
        }
        return rows;
    }

    @Override
    public double[] meanDice() {
        return meanDice.clone();
    }

    @Override
    public double[] pooledDice() {
        return pooledDice.clone();
    }

    /** The Dice curve of a mode. */
    public double[] dice(Mode mode) {
        return mode == Mode.POOLED ? pooledDice() : meanDice();
    }

    /**
     * The threshold with the highest Dice in {@code mode}; among equal maxima (a plateau) the one in the middle
     * of the first maximal run of consecutive thresholds, which is the most robust choice.
     */
    public Best best(Mode mode) {
        double[] d = mode == Mode.POOLED ? pooledDice : meanDice;
        int arg = 0;
        for (int k = 1; k < d.length; k++) {
            if (d[k] > d[arg]) {
                arg = k;
            }
        }
        int end = arg;
        while (end + 1 < d.length && d[end + 1] == d[arg]) {
            end++;
        }
        int mid = (arg + end) / 2;
        return new Best(mid, thresholds[mid], d[mid]);
    }

    /**
     * Writes the table as CSV atomically: {@code threshold,mean_dice,pooled_dice,<image ids...>}, one row per
     * threshold, numbers in shortest round-trip form ({@link Double#toString}).
     */
    public void writeCsv(Path target) throws IOException {
        AtomicFiles.writeString(target, toCsv());
    }

    /** The CSV text of {@link #writeCsv}. */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("threshold,mean_dice,pooled_dice");
        for (String id : imageIds) {
            sb.append(',').append(csvField(id));
        }
        sb.append('\n');
        for (int k = 0; k < thresholds.length; k++) {
            sb.append(thresholds[k]).append(',').append(meanDice[k]).append(',').append(pooledDice[k]);
            for (double[] row : perImage) {
                sb.append(',').append(row[k]);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A line chart of mean and pooled Dice vs threshold with the best (mean) threshold marked. */
    public LineChart chart() {
        Best b = best(Mode.MEAN_OVER_IMAGES);
        return LineChart.builder("Dice vs threshold (" + imageIds.size() + " images)")
                .xLabel("threshold").yLabel("Dice")
                .series("mean over images", thresholds, meanDice)
                .series("pooled", thresholds, pooledDice)
                .marker(b.threshold(), String.format(Locale.ROOT, "best %.3f (%.4f)", b.threshold(), b.dice()))
                .build();
    }

    /** Writes {@link #chart()} as an 800x500 PNG, atomically. */
    public void writePng(Path target) throws IOException {
        chart().writePng(target, 800, 500);
    }

    private static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0) {
            return s;
        }
        return '"' + s.replace("\"", "\"\"") + '"';
    }
}
