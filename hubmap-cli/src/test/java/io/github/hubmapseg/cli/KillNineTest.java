package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.CompetitionDataset;
import io.github.hubmapseg.pipeline.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #15 crash tests: {@code hubmap synth} and {@code hubmap predict} in a child JVM are killed with SIGKILL at a
 * random moment of their run, then run again to the end: every output must be byte-identical to an uninterrupted
 * run's (the kill leaves at most hidden temporary files, {@code .NAME.<hex>.tmp}, and the folder's lock file). The
 * kill moment is drawn uniformly over the uninterrupted run's duration (seed printed), so over many builds every
 * phase is hit: start-up, slide after slide, the commit.
 */
@EnabledOnOs(OS.LINUX)
class KillNineTest {

    private static final long SEED = System.nanoTime();

    private static Process start(Path log, String... args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-cp", System.getProperty("java.class.path"),
                HubmapCommand.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Runs to the end; returns its duration in milliseconds. */
    private static long complete(Path log, String... args) throws Exception {
        long t0 = System.nanoTime();
        Process p = start(log, args);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("finished").isTrue();
        assertThat(p.exitValue()).as(Files.readString(log)).isZero();
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Starts, kills with SIGKILL after {@code millis}, waits for it to be gone. */
    private static void killAfter(long millis, Path log, String... args) throws Exception {
        Process p = start(log, args);
        if (!p.waitFor(millis, TimeUnit.MILLISECONDS)) {
            p.destroyForcibly(); // java.lang.Process: SIGKILL on Linux
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /** Every visible file under a folder (relative path to bytes); hidden temporary and lock files left out. */
    private static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                if (!p.getFileName().toString().startsWith(".")) {
                    out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static void assertSameFiles(Path actual, Path expected) throws IOException {
        Map<String, byte[]> a = files(actual);
        Map<String, byte[]> e = files(expected);
        assertThat(a.keySet()).isEqualTo(e.keySet());
        for (String k : e.keySet()) {
            assertThat(a.get(k)).as(k + " (kill seed " + SEED + ")").isEqualTo(e.get(k));
        }
    }

    @Test
    void synthKilledAtARandomMomentThenRerunIsByteIdentical(@TempDir Path tmp) throws Exception {
        String[] common = {"--slides", "4", "--size", "768x768", "--threads", "1", "--seed", "9"};
        Path ref = tmp.resolve("ref");
        long ms = complete(tmp.resolve("ref.log"), concat(new String[] {"synth", "--out", ref.toString()}, common));
        Random r = new Random(SEED);
        Path out = tmp.resolve("out");
        for (int attempt = 0; attempt < 2; attempt++) {
            long at = (long) (r.nextDouble() * ms);
            System.out.println("KillNineTest synth: kill after " + at + " of " + ms + " ms (seed " + SEED + ")");
            killAfter(at, tmp.resolve("killed.log"), concat(new String[] {"synth", "--out", out.toString()}, common));
        }
        complete(tmp.resolve("rerun.log"), concat(new String[] {"synth", "--out", out.toString()}, common));
        assertSameFiles(out, ref);
    }

    @Test
    void predictKilledAtARandomMomentThenRerunIsByteIdentical(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        SyntheticDataset.builder(data).slides(5).size(512, 512).patients(2).seed(5).threads(1).testSlides(3).build()
                .write(new SyntheticDataset.Listener() {
                });
        Recipe rec = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("data.tile_size=64", "data.reduce=4",
                "data.tiles_per_epoch=4", "train.batch_size=2", "train.epochs=1", "infer.tile_size=64",
                "infer.reduce=2", "infer.expansion=0", "infer.tta=[hflip]", "model.base_channels=4"));
        Path model;
        try (CompetitionDataset ds = CompetitionDataset.open(data)) {
            model = Trainer.builder(rec, ds, ds.trainIds(), List.of(), tmp.resolve("run")).threads(1).build().train()
                    .best();
        }
        Path ref = tmp.resolve("ref");
        Path out = tmp.resolve("out");
        String[] common = {"predict", "--data", data.toString(), "--ensemble", model.toString()};
        long ms = complete(tmp.resolve("ref.log"), concat(common, "--out", ref.resolve("submission.csv").toString(),
                "--geojson", ref.resolve("geojson").toString()));
        Files.createDirectories(out);
        Files.writeString(out.resolve("submission.csv"), "id,predicted\nold,1 2\n"); // an earlier run's file
        long at = (long) (new Random(SEED).nextDouble() * ms);
        System.out.println("KillNineTest predict: kill after " + at + " of " + ms + " ms (seed " + SEED + ")");
        killAfter(at, tmp.resolve("killed.log"), concat(common, "--out", out.resolve("submission.csv").toString(),
                "--geojson", out.resolve("geojson").toString()));
        // killed: the old submission or none of the new one's rows, never a partial file
        String after = Files.readString(out.resolve("submission.csv"));
        assertThat(after.equals("id,predicted\nold,1 2\n")
                || after.equals(Files.readString(ref.resolve("submission.csv")))).as(after).isTrue();
        complete(tmp.resolve("rerun.log"), concat(common, "--out", out.resolve("submission.csv").toString(),
                "--geojson", out.resolve("geojson").toString()));
        assertSameFiles(out, ref);
    }

    private static String[] concat(String[] a, String... b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
