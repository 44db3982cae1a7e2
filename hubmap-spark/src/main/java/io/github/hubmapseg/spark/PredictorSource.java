package io.github.hubmapseg.spark;

import io.github.hubmapseg.pipeline.cohort.CohortJob;
import io.github.hubmapseg.pipeline.cohort.CohortPredictor;
import java.io.IOException;
import java.io.Serializable;

/**
 * How an executor JVM loads the ensemble: a small serialisable value shipped with every task. Equal sources share
 * the executor's loaded instances ({@link ExecutorPredictors}), so it must implement {@code equals}/{@code hashCode}
 * (records do).
 */
public interface PredictorSource extends Serializable {

    /**
     * Loads the ensemble (once per task slot of an executor, then reused for its slides).
     *
     * @throws IOException if a checkpoint cannot be read
     */
    CohortPredictor load() throws IOException;

    /**
     * The source of a {@code hubmap predict} job: {@link CohortPredictor#load(CohortJob, java.util.function.Consumer)}
     * on the executor, from the same paths (the checkpoints must be readable at those paths on every machine).
     */
    static PredictorSource of(CohortJob job) {
        return new JobSource(job);
    }

    /** {@link #of(CohortJob)}. */
    record JobSource(CohortJob job) implements PredictorSource {
        private static final long serialVersionUID = 1L;

        @Override
        public CohortPredictor load() throws IOException {
            return CohortPredictor.load(job, null);
        }
    }
}
