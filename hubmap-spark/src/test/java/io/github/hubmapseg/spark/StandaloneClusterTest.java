package io.github.hubmapseg.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.core.synth.SyntheticDataset;
import io.github.hubmapseg.pipeline.cohort.Cohort;
import io.github.hubmapseg.pipeline.cohort.CohortAssembly;
import io.github.hubmapseg.pipeline.cohort.CohortRuns;
import io.github.hubmapseg.pipeline.cohort.Cohorts;
import io.github.hubmapseg.pipeline.cohort.Shard;
import io.github.hubmapseg.pipeline.cohort.SlideUnits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster on 127.0.0.1 (a Master and two Workers as separate JVMs, executors launched by the
 * Workers), a cohort predicted on it and one Worker killed (SIGKILL, with its executor) in the middle of the job:
 * the job completes and its submission.csv is byte-identical to the single-JVM engine's; nothing listens outside
 * loopback.
 */
class StandaloneClusterTest {
    static final int SLIDES = 8;
    /** ~1 s per slide on an executor, so the kill lands while both executors are in a task. */
    static final DarkPixels.Source SOURCE = new DarkPixels.Source(170f, 40);

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aCohortSurvivesAKilledWorkerAndEqualsTheSingleJvmRun() throws Exception {
        long t0 = System.nanoTime();
        Path clusterDir = Path.of("target", "spark-cluster-" + System.nanoTime()).toAbsolutePath();
        ExecutorService background = Executors.newFixedThreadPool(2);
        // the daemons start while the cohort is made and predicted in this JVM
        Future<StandaloneCluster> starting = background.submit(() -> StandaloneCluster.start(clusterDir, 2, "640m"));
        try {
            predictOnTheCluster(t0, clusterDir, background, starting);
        } finally {
            background.shutdownNow();
            try {
                starting.get(120, TimeUnit.SECONDS).close(); // closing twice is harmless
            } catch (java.util.concurrent.ExecutionException e) {
                // it did not start: the test has failed already
            }
        }
    }

    private void predictOnTheCluster(long t0, Path clusterDir, ExecutorService background,
                                     Future<StandaloneCluster> starting) throws Exception {
        Path data = tmp.resolve("data");
        SyntheticDataset.builder(data).slides(SLIDES + 1).testSlides(SLIDES).size(320, 256).patients(2).seed(12)
                .threads(1).build().write(null);
        Cohort cohort = Cohorts.open(data, null);
        Path single = tmp.resolve("single");
        try (var p = new DarkPixels.Source(170f, 0).load()) {
            CohortRuns.predict(p, cohort, Shard.ALL, single, null, null);
        }
        byte[] expected = Files.readAllBytes(single.resolve(CohortAssembly.SUBMISSION));

        Path out = tmp.resolve("cluster");
        long tSingle = System.nanoTime();
        try (StandaloneCluster cluster = starting.get(120, TimeUnit.SECONDS)) {
            var conf = SparkCohorts.conf(new SparkSettings(cluster.masterUrl(), Map.of(
                    "spark.driver.host", "127.0.0.1",
                    "spark.driver.bindAddress", "127.0.0.1",
                    "spark.executor.memory", "512m",
                    "spark.executor.cores", "1",
                    "spark.cores.max", "2",
                    "spark.scheduler.minRegisteredResourcesRatio", "1.0",
                    "spark.scheduler.maxRegisteredResourcesWaitingTime", "90s")));
            assertThat(conf.get("spark.ui.enabled")).isEqualTo("false");
            Set<String> executorsWithTasks = ConcurrentHashMap.newKeySet();
            AtomicInteger failedTasks = new AtomicInteger();
            AtomicInteger removedExecutors = new AtomicInteger();
            List<String> log = new CopyOnWriteArrayList<>();
            try (JavaSparkContext jsc = new JavaSparkContext(conf)) {
                jsc.sc().addSparkListener(new SparkListener() {
                    @Override
                    public void onTaskStart(SparkListenerTaskStart s) {
                        executorsWithTasks.add(s.taskInfo().executorId());
                    }

                    @Override
                    public void onTaskEnd(SparkListenerTaskEnd e) {
                        if (e.reason() != Success$.MODULE$) {
                            failedTasks.incrementAndGet();
                        }
                    }

                    @Override
                    public void onExecutorRemoved(SparkListenerExecutorRemoved r) {
                        removedExecutors.incrementAndGet();
                    }
                });
                Future<SparkCohortRun> job = background.submit(() -> SparkCohorts.predictOn(jsc, SOURCE, cohort, out,
                        log::add));

                // wait until both executors run tasks and a first unit is written, then kill Worker 0
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
                while (!(executorsWithTasks.size() >= 2 && units(out, cohort) >= 1) && !job.isDone()
                        && System.nanoTime() < end) {
                    Thread.sleep(20);
                }
                assertThat(job.isDone()).as("the job must still run when the worker is killed").isFalse();
                assertThat(executorsWithTasks).as("both executors got tasks; logs in " + clusterDir).hasSize(2);
                List<ProcessHandle> all = new java.util.ArrayList<>(cluster.processes());
                all.add(ProcessHandle.current());
                assertThat(all).as("master, 2 workers, 2 executors, driver").hasSizeGreaterThanOrEqualTo(6);
                Set<String> listening = StandaloneCluster.listening(all);
                if (Files.isRegularFile(Path.of("/proc/net/tcp"))) {
                    assertThat(listening).as("every listening socket of the cluster and the driver").isNotEmpty()
                            .allMatch(StandaloneCluster::loopback);
                }
                int unitsAtKill = units(out, cohort);
                long tKill = System.nanoTime();
                cluster.kill(0);

                SparkCohortRun run = job.get(180, TimeUnit.SECONDS);
                System.out.printf(java.util.Locale.ROOT, "standalone cluster test: synth + single-JVM run %.1f s, "
                        + "then cluster up to the kill %.1f s, kill to the assembled submission %.1f s (%d failed "
                        + "tasks rerun)%n", (tSingle - t0) / 1e9, (tKill - tSingle) / 1e9,
                        (System.nanoTime() - tKill) / 1e9, failedTasks.get());
                assertThat(unitsAtKill).as("killed mid-job").isLessThan(SLIDES);
                assertThat(Files.readAllBytes(out.resolve(CohortAssembly.SUBMISSION))).isEqualTo(expected);
                assertThat(run.report().units()).hasSize(SLIDES);
                assertThat(removedExecutors.get()).as("the driver lost the killed worker's executor").isEqualTo(1);
                assertThat(failedTasks.get()).as("the task running on it failed and was rerun elsewhere")
                        .isGreaterThanOrEqualTo(1);
                assertThat(run.outcomes()).hasSize(SLIDES);
                assertThat(run.executors()).as("tasks ran in the executors, not in the driver")
                        .doesNotContain(SparkCohorts.executor());
                assertThat(run.loads()).as("each executor loaded the ensemble once").isLessThanOrEqualTo(2);
            }
        }
    }

    private static int units(Path out, Cohort cohort) {
        int n = 0;
        for (String id : cohort.ids()) {
            if (Files.exists(SlideUnits.dir(out, id).resolve(SlideUnits.RECORD))) {
                n++;
            }
        }
        return n;
    }
}
