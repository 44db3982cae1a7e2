package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.kaggle.CompetitionLayout;
import io.github.hubmapseg.core.kaggle.KaggleFiles;
import io.github.hubmapseg.core.kaggle.TrainRow;
import io.github.hubmapseg.core.metrics.Bootstrap;
import io.github.hubmapseg.core.metrics.Dice;
import io.github.hubmapseg.core.metrics.TestScores;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap evaluate}: Dice of a submission against a truth CSV, per image and mean (the Kaggle metric). */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Dice of a submission (id,predicted) against truth (id,encoding, e.g. test_truth.csv): per "
                + "image and the mean over images (Kaggle's metric). Every truth id must be in the submission."})
final class EvaluateCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SUBMISSION", description = "Submission CSV (id,predicted).")
    Path submission;

    @Parameters(index = "1", paramLabel = "TRUTH", description = "Truth CSV (id,encoding).")
    Path truth;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Competition folder, for slide sizes (optional: Dice does not depend on them). With it, "
                    + "also 95%% bootstrap intervals (over slides and over glomeruli) and detection at IoU 0.5, with "
                    + "false positives on the look-alikes of a hard synthetic folder.")
    Path data;

    @Option(names = "--baseline", paramLabel = "SUBMISSION",
            description = "A second submission to compare with: prints the mean per-slide Dice difference (this minus "
                    + "baseline) with a 95%% paired bootstrap interval over slides, and whether it excludes 0.")
    Path baseline;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        Path dir = data != null ? data : competitionFolderOf(truth);
        if (dir == null) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("hubmap evaluate: slide sizes unknown (no --data, and " + truth + " is not in a competition "
                    + "folder): runs are not checked against the image end");
            err.flush();
        }
        double[] d = evaluate(submission, truth, dir, pw);
        if (baseline != null) {
            double[] b = evaluate(baseline, truth, dir, new PrintWriter(java.io.Writer.nullWriter()));
            double[] diff = new double[d.length];
            for (int i = 0; i < d.length; i++) {
                diff[i] = d[i] - b[i];
            }
            Bootstrap.Interval iv = Bootstrap.mean(diff, TestScores.LEVEL, Bootstrap.RESAMPLES, TestScores.SEED);
            pw.printf(Locale.ROOT, "difference vs baseline: %+.4f, 95%% interval over %d slides [%+.4f, %+.4f]%s%n",
                    iv.estimate(), iv.n(), iv.low(), iv.high(), iv.excludes(0) ? " (excludes 0)" : " (includes 0)");
            pw.flush();
        }
        return 0;
    }

    /**
     * Prints the Dice of every truth image and the mean; also serves {@code hubmap dice} on two CSVs.
     *
     * @return the Dice of every truth image, in the truth file's order
     */
    static double[] evaluate(Path submission, Path truth, Path data, PrintWriter pw) throws Exception {
        Map<String, String> pred = new LinkedHashMap<>();
        for (TrainRow r : KaggleFiles.readSubmission(submission)) {
            pred.put(r.id(), r.encoding());
        }
        List<Double> all = new ArrayList<>();
        Map<String, RleRuns> preds = new LinkedHashMap<>();
        Map<String, RleRuns> truths = new LinkedHashMap<>();
        Map<String, Map<String, RleRuns>> looks = new LinkedHashMap<>();
        for (TrainRow t : KaggleFiles.readTrain(truth)) {
            String p = pred.get(t.id());
            if (p == null) {
                throw new IllegalArgumentException("submission " + submission + " has no row for image '" + t.id() + "'");
            }
            long[] hw = size(data, t.id(), p, t.encoding());
            RleRuns pr = Rle.parse(p, (int) hw[0], (int) hw[1]);
            RleRuns tr = Rle.parse(t.encoding(), (int) hw[0], (int) hw[1]);
            double d = Dice.dice(pr, tr);
            all.add(d);
            if (data != null) {
                preds.put(t.id(), pr);
                truths.put(t.id(), tr);
                looks.put(t.id(), SyntheticDataset.lookalikes(data, t.id(), (int) hw[0], (int) hw[1]));
            }
            pw.printf(Locale.ROOT, "%s %.6f%n", t.id(), d);
        }
        pw.printf(Locale.ROOT, "mean %.6f%n", Dice.mean(all.stream().mapToDouble(Double::doubleValue).toArray()));
        if (!preds.isEmpty()) {
            // with the slide sizes known, the components are right: intervals and per-glomerulus detection
            pw.print(TestScores.of(preds, truths, looks).text());
        }
        pw.flush();
        return all.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * The competition folder a truth file sits in ({@code test_truth.csv}, {@code train.csv} of a folder with
     * {@code train/} or {@code test/}), so that its slides give the sizes, or {@code null}.
     */
    static Path competitionFolderOf(Path truth) {
        Path dir = truth.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        CompetitionLayout l = new CompetitionLayout(dir);
        return java.nio.file.Files.isDirectory(l.folder(CompetitionLayout.Split.TRAIN))
                || java.nio.file.Files.isDirectory(l.folder(CompetitionLayout.Split.TEST)) ? dir : null;
    }

    private static long[] size(Path data, String id, String a, String b) throws Exception {
        if (data != null) {
            // the competition layout's slide of the id: train/, test/ or external/, .tiff or .tif
            java.util.Optional<Path> p = new CompetitionLayout(data).findSlide(id);
            if (p.isPresent()) {
                try (ImageSource s = ImageSources.open(p.get())) {
                    return new long[] {s.height(), s.width()};
                }
            }
            // a run past the image end must not be scored as a miss: without the slide its end is unknown
            throw new IllegalArgumentException("no slide '" + id + "' under " + data.resolve("train") + " or "
                    + data.resolve("test") + ": its size is needed to check the runs against the image end");
        }
        // Dice depends only on the pixel sets: any (height, width) holding every run gives the same value
        long end = Math.max(maxEnd(a), maxEnd(b));
        long w = Math.max(1, (long) Math.ceil(Math.sqrt((double) end)));
        long h = Math.max(1, (end + w - 1) / w);
        if (h * w > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("encodings too large to score without --data");
        }
        return new long[] {h, w};
    }

    private static long maxEnd(String rle) {
        String[] p = rle.strip().isEmpty() ? new String[0] : rle.strip().split("\\s+");
        long m = 1;
        for (int i = 0; i + 1 < p.length; i += 2) {
            m = Math.max(m, Long.parseLong(p[i]) + Long.parseLong(p[i + 1]) - 1);
        }
        return m;
    }
}
