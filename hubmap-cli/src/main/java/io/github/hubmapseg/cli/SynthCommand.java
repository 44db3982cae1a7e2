package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.slide.TiffSlideWriter;
import io.github.hubmapseg.core.synth.SynthElement;
import io.github.hubmapseg.core.synth.SynthProfile;
import io.github.hubmapseg.core.synth.SyntheticDataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hubmap synth --out DIR [--slides N --size WxH --seed S --profile easy|hard --without E,...]}: writes a synthetic competition folder
 * (train/test TIFFs, train.csv, polygon and anatomical JSON, dataset information, sample submission and
 * test_truth.csv). Prints one progress line per slide (a live percentage on a terminal) and a summary.
 */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Write a synthetic HuBMAP competition folder (deterministic by seed).")
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    Path out;

    @Option(names = "--slides", paramLabel = "N", defaultValue = "8",
            description = "Number of slides, train and test together (default: ${DEFAULT-VALUE}).")
    int slides;

    @Option(names = "--size", paramLabel = "WxH", defaultValue = "4096x4096",
            description = "Slide size in pixels (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--patients", paramLabel = "P", defaultValue = "4",
            description = "Number of patients (default: ${DEFAULT-VALUE}).")
    int patients;

    @Option(names = "--compression", paramLabel = "C", defaultValue = "deflate",
            description = "TIFF compression: none or deflate (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--threads", paramLabel = "T", description = "Threads (default: available processors).")
    Integer threads;

    @Option(names = "--profile", paramLabel = "P", defaultValue = "easy",
            description = "easy (stylised H&E, today's slides) or hard (PAS at the competition's scale with look-alikes,"
                    + " artefacts and label noise) (default: ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--without", paramLabel = "ELEMENT", split = ",",
            description = "Hard profile: elements to switch off, e.g. --without folds,pen-marks (tangential-cuts, "
                    + "edge-cuts, collapsed-bowman, arteries, tubule-clusters, sclerotic, stain-variation, out-of-focus, "
                    + "folds, bubbles, pen-marks, dust, brightness-gradient, annotation-noise, missed-annotations).")
    java.util.List<String> without = new java.util.ArrayList<>();

    @Option(names = "--test-slides", paramLabel = "N",
            description = "Number of test slides (default: a quarter of the slides).")
    Integer testSlides;

    @Option(names = "--outlier-sclerotic", paramLabel = "SHARE",
            description = "Hard profile: share of the outlier slide's glomeruli that are globally sclerotic (default: "
                    + "0.12, as on every slide); only that slide changes.")
    Double outlierSclerotic;

    @Option(names = "--outlier-unlabelled", description = "Hard profile: draw the outlier slide with its sclerotic "
            + "glomeruli unlabelled (the control of an outlier experiment).")
    boolean outlierUnlabelled;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int[] wh = parseSize(size);
        SyntheticDataset.Builder b = SyntheticDataset.builder(out).slides(slides).size(wh[0], wh[1]).seed(seed)
                .patients(patients).compression(TiffSlideWriter.Compression.parse(compression));
        if (threads != null) {
            b.threads(threads);
        }
        SynthProfile p = SynthProfile.parse(profile);
        b.profile(p);
        if (!without.isEmpty()) {
            if (p != SynthProfile.HARD) {
                throw new IllegalArgumentException("--without needs --profile hard");
            }
            java.util.Set<SynthElement> on = SynthElement.all();
            for (String w : without) {
                on.remove(SynthElement.parse(w));
            }
            b.elements(on);
        }
        if (testSlides != null) {
            b.testSlides(testSlides);
        }
        if (outlierSclerotic != null || outlierUnlabelled) {
            if (p != SynthProfile.HARD) {
                throw new IllegalArgumentException("--outlier-sclerotic and --outlier-unlabelled need --profile hard");
            }
            if (outlierSclerotic != null) {
                b.outlierScleroticShare(outlierSclerotic);
            }
            b.outlierLabelled(!outlierUnlabelled);
        }
        SyntheticDataset ds = b.build();
        PrintWriter pw = spec.commandLine().getOut();
        boolean tty = System.console() != null;
        SyntheticDataset.Summary s = ds.write(new SyntheticDataset.Listener() {
            @Override
            public void rows(int index, int count, String id, int done, int total) {
                if (tty) {
                    pw.printf(Locale.ROOT, "\rslide %d/%d %s: %3d%%", index + 1, count, id, 100 * done / total);
                    pw.flush();
                }
            }

            @Override
            public void slideDone(int index, int count, String id, boolean test, int glomeruli, double seconds) {
                pw.printf(Locale.ROOT, "%sslide %d/%d %s (%s): %d glomeruli, %.1f s%n", tty ? "\r" : "", index + 1,
                        count, id, test ? "test" : "train", glomeruli, seconds);
                pw.flush();
            }
        });
        pw.printf(Locale.ROOT, "wrote %d files (%.1f MB) to %s in %.1f s: %d train, %d test slides of %dx%d, %d glomeruli"
                        + "%n", s.files(), s.bytes() / 1e6, s.dir(), s.seconds(), s.trainIds().size(),
                s.testIds().size(), wh[0], wh[1], s.glomeruli());
        pw.flush();
        return 0;
    }

    static int[] parseSize(String s) {
        String[] p = s.toLowerCase(Locale.ROOT).split("x");
        if (p.length != 2) {
            throw new IllegalArgumentException("--size must be WIDTHxHEIGHT like 4096x4096, got '" + s + "'");
        }
        try {
            return new int[] {Integer.parseInt(p[0].strip()), Integer.parseInt(p[1].strip())};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size must be WIDTHxHEIGHT like 4096x4096, got '" + s + "'");
        }
    }
}
