package io.github.hubmapseg.core.kaggle;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.io.AtomicFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a JVM streaming a submission at random points: the target is always the old file or the
 * complete new one, never a partial one; the temporary file a kill leaves is swept by the next writer once stale.
 */
@EnabledOnOs(OS.LINUX)
class SubmissionWriterKillTest {

    @TempDir
    Path dir;

    @Test
    void killMinus9LeavesTheOldOrTheCompleteFile() throws Exception {
        Path target = dir.resolve("submission.csv");
        String old = "id,predicted\nold,1 1\n";
        StringBuilder full = new StringBuilder("id,predicted\n");
        for (int i = 0; i < 20; i++) {
            full.append("slide").append(i).append(',').append(i + 1).append(' ').append(i + 2).append('\n');
        }
        Random random = new Random(15);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (int attempt = 0; attempt < 4; attempt++) {
            Files.writeString(target, old);
            int killAfter = attempt == 3 ? 21 : random.nextInt(20); // the last one after "done"
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    SubmissionWriterChild.class.getName(), target.toString()).redirectErrorStream(true).start();
            try {
                BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8));
                for (int i = 0; i <= killAfter; i++) {
                    String line = r.readLine();
                    assertThat(line).as("child output").isNotNull();
                    if (line.equals("done")) {
                        break;
                    }
                }
                p.destroyForcibly(); // SIGKILL
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            } finally {
                p.destroyForcibly();
            }
            String now = Files.readString(target);
            assertThat(now).as("after kill -9 at row " + killAfter).isIn(old, full.toString());
            if (attempt == 3) {
                assertThat(now).isEqualTo(full.toString());
            }
        }
        // killed writers may leave temporary files: the sweep (here with age limit 0) removes them
        AtomicFiles.sweepStale(dir, Duration.ZERO);
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).containsExactly(target);
        }
    }
}
