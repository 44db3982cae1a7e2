package io.github.hubmapseg.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.models.SegmentationModel;
import io.github.hubmapseg.pipeline.cohort.SlideUnits;
import io.github.hubmapseg.pipeline.config.Recipe;
import io.github.hubmapseg.pipeline.config.Recipes;
import io.github.hubmapseg.pipeline.data.Normalization;
import io.github.hubmapseg.pipeline.train.Checkpoint;
import io.github.hubmapseg.pipeline.train.ModelFactory;
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
 * Issue #17: {@code hubmap predict --out-dir} in a child JVM on a cohort of 6 slides of 512 x 512, killed with SIGKILL at 4
 * moments drawn with a fixed seed over an uninterrupted run's duration, each kill followed by a check that every
 * visible file is complete (equal to the uninterrupted run's, or a readable record), then the same command run
 * to the end: its {@code submission.csv} and every unit's row are byte-identical to the uninterrupted run's.
 */
@EnabledOnOs(OS.LINUX)
class CohortKillNineTest {
    private static final long SEED = 17;

    private static Process start(Path log, List<String> args) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx1g", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                HubmapCommand.class.getName()));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Every visible file under a folder (relative path to bytes); hidden temporary and lock files left out. */
    private static Map<String, byte[]> visible(Path dir) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    assertThat(name).matches("\\.hubmap\\.lock|\\..+\\.[0-9a-f]{4,}\\.tmp");
                } else {
                    out.put(dir.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    @Test
    void predictOutDirKilledRepeatedlyThenRerunIsByteIdentical(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        SyntheticDataset.builder(data).slides(7).size(512, 512).patients(2).seed(5).threads(1).testSlides(6).build()
                .write(new SyntheticDataset.Listener() {
                });
        Recipe r = Recipes.withOverrides(Recipes.defaultRecipe(), List.of("infer.tile_size=64", "infer.reduce=4",
                "infer.expansion=16", "infer.tta=[]", "model.base_channels=4", "infer.threshold=0.5"));
        Path model = tmp.resolve("m.zip");
        try (SegmentationModel m = ModelFactory.create(r)) {
            Checkpoint.of(r, 1, 1, Normalization.scale255(3), List.of(), Double.NaN, 0, m, false).save(model);
        }
        Path ref = tmp.resolve("ref");
        Path out = tmp.resolve("out");
        List<String> common = List.of("predict", "--data", data.toString(), "--ensemble", model.toString(),
                "--geojson", "--out-dir");
        long t0 = System.nanoTime();
        Process p = start(tmp.resolve("ref.log"), concat(common, ref.toString()));
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(tmp.resolve("ref.log"))).isZero();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        Map<String, byte[]> expected = visible(ref);
        assertThat(expected).containsKey("submission.csv");
        Random rnd = new Random(SEED);
        for (int k = 0; k < 4; k++) {
            long at = (long) ((0.2 + 0.8 * rnd.nextDouble()) * ms);
            System.out.println("CohortKillNineTest: kill " + k + " after " + at + " of " + ms + " ms");
            Process q = start(tmp.resolve("killed-" + k + ".log"), concat(common, out.toString()));
            if (!q.waitFor(at, TimeUnit.MILLISECONDS)) {
                q.destroyForcibly(); // SIGKILL on Linux
            }
            assertThat(q.waitFor(60, TimeUnit.SECONDS)).isTrue();
            // no partial file is visible: each one is the uninterrupted run's, or a record whose row is complete
            Map<String, byte[]> now = visible(out);
            System.out.println("CohortKillNineTest: after kill " + k + ": " + now.keySet().stream()
                    .filter(n -> n.endsWith(SlideUnits.RECORD)).count() + " of 6 units finished, submission "
                    + (now.containsKey("submission.csv") ? "written" : "not yet written"));
            for (Map.Entry<String, byte[]> f : now.entrySet()) {
                String name = f.getKey();
                if (name.endsWith(SlideUnits.RECORD)) {
                    String id = Path.of(name).getParent().getFileName().toString();
                    assertThat(SlideUnits.read(out, id)).as(name).isPresent();
                } else if (!name.equals("report.txt")) {
                    assertThat(f.getValue()).as(name + " after kill " + k).isEqualTo(expected.get(name));
                } else {
                    assertThat(new String(f.getValue())).contains("total:");
                }
            }
        }
        Process last = start(tmp.resolve("rerun.log"), concat(common, out.toString()));
        assertThat(last.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(last.exitValue()).as(Files.readString(tmp.resolve("rerun.log"))).isZero();
        Map<String, byte[]> actual = visible(out);
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String name : expected.keySet()) {
            if (!name.endsWith(SlideUnits.RECORD) && !name.equals("report.txt")) {
                assertThat(actual.get(name)).as(name).isEqualTo(expected.get(name));
            }
        }
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> c = new ArrayList<>(a);
        c.addAll(List.of(b));
        return c;
    }
}
