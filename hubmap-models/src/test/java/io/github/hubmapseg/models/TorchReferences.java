package io.github.hubmapseg.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.testkit.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Reference files written by a script of {@code src/test/python} with Debian's torch 1.13 into a folder under
 * {@code target}, once per version of the script (a {@code done} marker newer than the script skips the run). Skips
 * the calling test without torch/torchvision ({@link ExternalTools#python}); a failing script fails it with its log.
 */
final class TorchReferences {
    private TorchReferences() {
    }

    /**
     * @param script the script's file name in {@code src/test/python}
     * @param out the folder it writes (its first argument)
     * @param timeoutSeconds how long it may run
     * @param args further arguments
     * @throws Exception if it cannot be started or waited for
     */
    static void generate(String script, Path out, int timeoutSeconds, List<String> args) throws Exception {
        Path s = Paths.get("src", "test", "python", script);
        Path marker = out.resolve("done");
        if (Files.exists(marker) && Files.getLastModifiedTime(marker).compareTo(Files.getLastModifiedTime(s)) > 0) {
            return;
        }
        Path python = ExternalTools.python("python3-torch python3-torchvision", "torch", "torchvision");
        List<String> cmd = new ArrayList<>(List.of(python.toString(), script, out.toAbsolutePath().toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).directory(s.getParent().toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(timeoutSeconds, TimeUnit.SECONDS)).as(script + " within " + timeoutSeconds + " s").isTrue();
        assertThat(p.exitValue()).as(log).isZero();
        Files.createDirectories(out);
        Files.writeString(marker, "ok");
    }
}
