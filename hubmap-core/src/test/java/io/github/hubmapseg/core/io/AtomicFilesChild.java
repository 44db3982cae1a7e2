package io.github.hubmapseg.core.io;

import java.nio.file.Files;
import java.nio.file.Path;

/** Child JVM of {@link AtomicFilesHostileTest}: stages a write, reports its temporary file, then waits. */
final class AtomicFilesChild {

    private AtomicFilesChild() {
    }

    public static void main(String[] args) throws Exception {
        AtomicFiles.Staged s = AtomicFiles.stage(Path.of(args[0]));
        Files.writeString(s.temp(), "half written");
        System.out.println("temp " + s.temp());
        System.out.flush();
        Thread.sleep(120_000);
        s.commit();
    }
}
