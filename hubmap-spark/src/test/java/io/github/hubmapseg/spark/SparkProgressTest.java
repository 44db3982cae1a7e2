package io.github.hubmapseg.spark;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.hubmapseg.pipeline.cohort.CohortSlide;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.Success$;
import org.apache.spark.TaskResultLost$;
import org.apache.spark.TaskState;
import org.apache.spark.executor.ExecutorMetrics;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;
import org.apache.spark.scheduler.TaskLocality;
import org.junit.jupiter.api.Test;

/** The progress lines of {@code SparkCohorts}, fed with Spark's own task-end events. */
class SparkProgressTest {
    private static long taskIds;

    private static SparkListenerTaskEnd end(int index, int attempt, boolean speculative, boolean ok) {
        TaskInfo info = new TaskInfo(taskIds++, index, attempt, 0L, "exec-" + attempt, "localhost",
                TaskLocality.PROCESS_LOCAL(), speculative);
        info.markFinished(ok ? TaskState.FINISHED() : TaskState.FAILED(), 1L);
        return new SparkListenerTaskEnd(0, 0, "ResultTask", ok ? Success$.MODULE$ : TaskResultLost$.MODULE$, info,
                new ExecutorMetrics(), null);
    }

    @Test
    void aSlideWhoseSpeculativeCopyAlsoSucceedsCountsOnce() {
        List<SparkCohorts.SlideTask> tasks = List.of(new SparkCohorts.SlideTask(new CohortSlide("a", "a.tif"), ""),
                new SparkCohorts.SlideTask(new CohortSlide("b", "b.tif"), ""));
        List<String> lines = new ArrayList<>();
        SparkCohorts.Progress p = new SparkCohorts.Progress(tasks, lines::add);
        p.onTaskEnd(end(0, 0, false, true));
        p.onTaskEnd(end(0, 1, true, true)); // the speculative copy of slide a also finished
        p.onTaskEnd(end(1, 0, false, false));
        p.onTaskEnd(end(1, 1, false, true));
        p.awaitAll(1_000);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("spark: slide a done on executor exec-0").contains("1/2 slides");
        assertThat(lines.get(1)).startsWith("spark: slide b failed on executor exec-0 (attempt 1): ")
                .contains("TaskResultLost");
        assertThat(lines.get(2)).startsWith("spark: slide b done on executor exec-1").endsWith("2/2 slides");
    }
}
