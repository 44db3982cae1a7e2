package io.github.hubmapseg.core.kaggle;

import java.nio.file.Path;

/** Child JVM of {@link SubmissionWriterKillTest}: writes 20 rows, reporting each, slowly, then commits. */
final class SubmissionWriterChild {

    private SubmissionWriterChild() {
    }

    public static void main(String[] args) throws Exception {
        SubmissionWriter.write(Path.of(args[0]), SubmissionWriter.PREDICTED, w -> {
            for (int i = 0; i < 20; i++) {
                w.add("slide" + i, (i + 1) + " " + (i + 2));
                System.out.println("row " + i);
                System.out.flush();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        System.out.println("done");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
