package io.github.hubmapseg.spark;

import io.github.hubmapseg.pipeline.cohort.Cohort;
import io.github.hubmapseg.pipeline.cohort.CohortAssembly;
import io.github.hubmapseg.pipeline.cohort.CohortManifest;
import io.github.hubmapseg.pipeline.cohort.CohortReport;
import io.github.hubmapseg.pipeline.cohort.CohortSlide;
import io.github.hubmapseg.pipeline.cohort.Cohorts;
import io.github.hubmapseg.pipeline.cohort.SlideUnits;
import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.spark.ExceptionFailure;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import org.apache.spark.TaskEndReason;
import org.apache.spark.TaskFailedReason;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Predicts a cohort on Apache Spark. The slides are the tasks (one partition per slide); each executor loads the
 * ensemble once per task slot and reuses it ({@link ExecutorPredictors}); every task writes its slide's unit under
 * the shared output folder through {@link SlideUnits#run} (atomic files, record last), after checking that no
 * earlier attempt finished it, so a retried or speculative task can neither duplicate nor corrupt a row. The
 * driver then assembles {@code OUT/submission.csv} and {@code OUT/report.txt} ({@link CohortAssembly}): byte-identical
 * to the single-JVM engine's ({@code CohortRuns}), as the units are.
 * <p>Slides whose unit is already done are not sent to Spark (a rerun resumes). The output folder and the slides
 * must be at the same paths on every machine (a shared file system); the driver's classpath is given to the
 * executors as {@code spark.executor.extraClassPath} unless set ({@link #executorClassPath()}), and executors start
 * with the Vector API module ({@code spark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector}) unless
 * that setting is given.
 */
public final class SparkCohorts {
    /** The master used when neither the settings nor the environment ({@code spark-submit}) name one. */
    public static final String DEFAULT_MASTER = "local[*]";

    private SparkCohorts() {
    }

    /**
     * Predicts the cohort's slides that are not done on Spark and assembles the submission.
     *
     * @param settings the master and Spark settings
     * @param source   how executors load the ensemble
     * @param cohort   the cohort (every slide, in submission order)
     * @param out      the shared output folder
     * @param log      progress lines (driver side), or {@code null}
     * @return what the run did
     * @throws IllegalArgumentException in one line when a task fails for its input (naming the slide and reason)
     * @throws IOException              if the output folder cannot be written
     */
    public static SparkCohortRun predict(SparkSettings settings, PredictorSource source, Cohort cohort, Path out,
                                         Consumer<String> log) throws IOException {
        SparkConf conf = conf(settings);
        try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
            return predictOn(jsc, source, cohort, out, log);
        }
    }

    /**
     * Predicts the cohort's slides that are not done with a running Spark context (an application that has one;
     * it is left running) and assembles the submission.
     *
     * @see #predict(SparkSettings, PredictorSource, Cohort, Path, Consumer)
     */
    public static SparkCohortRun predictOn(JavaSparkContext jsc, PredictorSource source, Cohort cohort, Path out,
                                         Consumer<String> log) throws IOException {
        Consumer<String> say = log == null ? s -> { } : log;
        Path dir = out.toAbsolutePath().normalize();
        long t0 = System.nanoTime();
        List<SlideOutcome> outcomes = new ArrayList<>();
        String master = jsc.master();
        int skipped;
        try {
            String digest;
            try (ExecutorPredictors.Lease lease = ExecutorPredictors.borrow(source)) {
                digest = lease.predictor().digest();
            }
            skipped = runTasks(jsc, source, cohort, dir, digest, outcomes, say);
        } finally {
            ExecutorPredictors.closeIdle();
        }
        CohortReport report = CohortAssembly.assemble(List.of(dir), dir);
        double wall = (System.nanoTime() - t0) / 1e9;
        return new SparkCohortRun(master, skipped, outcomes, report, wall);
    }

    /**
     * Writes the manifest and sends the slides that are not done to Spark.
     *
     * @return how many slides were done already
     */
    private static int runTasks(JavaSparkContext jsc, PredictorSource source, Cohort cohort, Path dir, String digest,
                                List<SlideOutcome> outcomes, Consumer<String> say) throws IOException {
        CohortManifest.of(cohort, digest).write(dir);
        Map<String, String> truth = Cohorts.truth(cohort);
        List<SlideTask> todo = new ArrayList<>();
        for (CohortSlide s : cohort.slides()) {
            if (!SlideUnits.isDone(dir, s, digest)) {
                todo.add(new SlideTask(s, truth.get(s.id())));
            }
        }
        int skipped = cohort.slides().size() - todo.size();
        say.accept(String.format(Locale.ROOT, "spark: %d slides to predict on %s (%d done already), one task each",
                todo.size(), jsc.master(), skipped));
        if (!todo.isEmpty()) {
            SparkContext sc = jsc.sc();
            Progress progress = new Progress(todo, say);
            sc.addSparkListener(progress);
            try {
                outcomes.addAll(jsc.parallelize(todo, todo.size())
                        .map(new PredictSlide(source, dir.toString(), digest)).collect());
                // Spark delivers task-end events on its listener thread, after the job may have returned: wait for
                // the last progress line so that the log is complete when this method returns
                progress.awaitAll(10_000);
            } catch (Exception e) { // Scala throws SparkException without declaring it
                if (e instanceof SparkException se) {
                    throw new IllegalArgumentException("spark job failed: " + oneLine(se), se);
                }
                throw e;
            } finally {
                sc.removeSparkListener(progress);
            }
        }
        return skipped;
    }

    /**
     * The Spark configuration of a run: the environment's {@code spark.*} system properties (as
     * {@code spark-submit} passes them), over them the settings' master and values, then, where still unset, this
     * library's defaults (application name; no web UI; in {@code local} mode the driver bound to 127.0.0.1; on a
     * cluster the executors' classpath).
     */
    static SparkConf conf(SparkSettings settings) {
        SparkConf conf = new SparkConf();
        if (settings.master() != null) {
            conf.setMaster(settings.master());
        } else if (!conf.contains("spark.master")) {
            conf.setMaster(DEFAULT_MASTER);
        }
        settings.conf().forEach(conf::set);
        String master = conf.get("spark.master");
        conf.setIfMissing("spark.app.name", "hubmap predict");
        conf.setIfMissing("spark.ui.enabled", "false");
        if (master.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        } else {
            conf.setIfMissing("spark.executor.extraClassPath", executorClassPath());
            // the tiling kernels' Vector API, as ./hubmap starts the driver (io.github.hubmapseg.tiling.Vectorization)
            conf.setIfMissing("spark.executor.extraJavaOptions", "--add-modules=jdk.incubator.vector");
        }
        return conf;
    }

    /**
     * The classpath executors need for this library: the folder of its jar ({@code hubmap-cli/target/lib/*} in the
     * CLI's distribution, whether started by {@code ./hubmap} or {@code spark-submit}), or, when it runs from class
     * folders (tests, an IDE), this JVM's classpath. The same paths must exist on every worker.
     */
    static String executorClassPath() {
        CodeSource cs = SparkCohorts.class.getProtectionDomain().getCodeSource();
        if (cs != null && cs.getLocation() != null) {
            try {
                Path self = Path.of(cs.getLocation().toURI());
                if (Files.isRegularFile(self)) {
                    return self.getParent().resolve("*").toString();
                }
            } catch (URISyntaxException | IllegalArgumentException e) {
                // not a file: fall back to the JVM's classpath
            }
        }
        String test = System.getProperty("surefire.test.class.path");
        return test != null && !test.isEmpty() ? test : System.getProperty("java.class.path", "");
    }

    /** The one-line reason of a failed job: the task's exception line, without Spark's stack trace. */
    static String oneLine(SparkException e) {
        String m = String.valueOf(e.getMessage());
        int lost = m.indexOf("most recent failure: ");
        if (lost >= 0) {
            m = m.substring(lost + "most recent failure: ".length());
            int colon = m.indexOf("): ");
            if (m.startsWith("Lost task") && colon > 0) {
                m = m.substring(colon + 3);
            }
        }
        int nl = m.indexOf('\n');
        m = (nl >= 0 ? m.substring(0, nl) : m).trim();
        for (String prefix : List.of("java.lang.IllegalArgumentException: ", "java.lang.IllegalStateException: ")) {
            if (m.startsWith(prefix)) {
                m = m.substring(prefix.length());
            }
        }
        return m;
    }

    /** One slide and its true mask (for the unit's Dice), a task's element. */
    record SlideTask(CohortSlide slide, String truth) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /** The task: skip a unit that an earlier attempt finished, else predict it with this JVM's ensemble. */
    record PredictSlide(PredictorSource source, String out, String digest)
            implements Function<SlideTask, SlideOutcome> {
        private static final long serialVersionUID = 1L;

        @Override
        public SlideOutcome call(SlideTask t) throws IOException {
            long t0 = System.nanoTime();
            Path dir = Path.of(out);
            try (ExecutorPredictors.Lease lease = ExecutorPredictors.borrow(source)) {
                String d = lease.predictor().digest();
                if (!d.equals(digest)) {
                    throw new IllegalStateException("executor " + executor() + " loaded the ensemble with digest "
                            + d.substring(0, 12) + " but the driver's is " + digest.substring(0, 12)
                            + ": the checkpoint files or settings differ between machines");
                }
                boolean predicted = !SlideUnits.isDone(dir, t.slide(), digest);
                if (predicted) {
                    SlideUnits.run(lease.predictor(), t.slide(), dir, t.truth(), null);
                }
                return new SlideOutcome(t.slide().id(), executor(), predicted, lease.loaded(),
                        (System.nanoTime() - t0) / 1e9);
            }
        }
    }

    /** {@code host/pid} of this JVM. */
    static String executor() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "?";
        }
        return host + "/" + ProcessHandle.current().pid();
    }

    /** Driver-side progress: one line per finished or failed slide task, with an ETA. */
    /**
     * Says one line per finished or failed task; a slide counts once however many attempts of it succeed (a
     * speculative copy may finish too).
     */
    static final class Progress extends SparkListener {
        private final List<SlideTask> tasks;
        private final Consumer<String> say;
        /** Task indices (slides) with a successful attempt. */
        private final Set<Integer> succeeded = ConcurrentHashMap.newKeySet();
        private final CountDownLatch allDone;
        private final long t0 = System.nanoTime();

        Progress(List<SlideTask> tasks, Consumer<String> say) {
            this.tasks = tasks;
            this.say = say;
            this.allDone = new CountDownLatch(tasks.size());
        }

        /** Waits (at most {@code millis}) until every task's success line was said. */
        void awaitAll(long millis) {
            try {
                allDone.await(millis, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            int i = end.taskInfo().index();
            String id = i >= 0 && i < tasks.size() ? tasks.get(i).slide().id() : "#" + i;
            double s = (System.nanoTime() - t0) / 1e9;
            if (end.taskInfo().successful()) {
                if (!succeeded.add(i)) {
                    return; // another attempt of this slide finished first and was counted
                }
                int n = succeeded.size();
                int total = tasks.size();
                String eta = n < total ? String.format(Locale.ROOT, ", ETA %.0f s", s / n * (total - n)) : "";
                say.accept(String.format(Locale.ROOT, "spark: slide %s done on executor %s after %.1f s: %d/%d "
                        + "slides%s", id, end.taskInfo().executorId(), s, n, total, eta));
                allDone.countDown();
            } else {
                say.accept(String.format(Locale.ROOT, "spark: slide %s failed on executor %s (attempt %d): %s", id,
                        end.taskInfo().executorId(), end.taskInfo().attemptNumber() + 1, reason(end.reason())));
            }
        }

        /** One line: the exception's class and message, or the first line of Spark's reason. */
        private static String reason(TaskEndReason r) {
            if (r instanceof ExceptionFailure f) {
                return f.className().replaceFirst("^java\\.lang\\.", "") + ": " + f.description();
            }
            String t = r instanceof TaskFailedReason f ? f.toErrorString() : String.valueOf(r);
            int nl = t.indexOf('\n');
            return nl >= 0 ? t.substring(0, nl) : t;
        }
    }
}
