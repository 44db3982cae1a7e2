package io.github.hubmapseg.spark;

import io.github.hubmapseg.pipeline.cohort.CohortPredictor;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The loaded ensembles of one JVM (a Spark executor, or the driver in {@code local[*]}): per {@link PredictorSource}
 * a pool of idle {@link CohortPredictor}s. A task borrows one and gives it back, so an executor loads the ensemble
 * once per task slot (a predictor runs one slide at a time) and reuses it for every later slide.
 */
final class ExecutorPredictors {
    private static final Map<PredictorSource, ArrayDeque<CohortPredictor>> IDLE = new HashMap<>();
    private static final List<CohortPredictor> ALL = new ArrayList<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ExecutorPredictors() {
    }

    /** A borrowed predictor; closing gives it back to the pool (it stays loaded). */
    static final class Lease implements AutoCloseable {
        private final PredictorSource source;
        private final CohortPredictor predictor;
        private final boolean loaded;

        private Lease(PredictorSource source, CohortPredictor predictor, boolean loaded) {
            this.source = source;
            this.predictor = predictor;
            this.loaded = loaded;
        }

        CohortPredictor predictor() {
            return predictor;
        }

        /** @return whether this lease loaded the ensemble (the first use in this task slot) */
        boolean loaded() {
            return loaded;
        }

        @Override
        public void close() {
            synchronized (IDLE) {
                IDLE.computeIfAbsent(source, s -> new ArrayDeque<>()).push(predictor);
            }
        }
    }

    /**
     * An idle predictor of this source, or a newly loaded one when all are busy (loaded outside the lock, so slots
     * load in parallel).
     *
     * @throws IOException if the ensemble cannot be loaded
     */
    static Lease borrow(PredictorSource source) throws IOException {
        synchronized (IDLE) {
            ArrayDeque<CohortPredictor> q = IDLE.get(source);
            if (q != null && !q.isEmpty()) {
                return new Lease(source, q.pop(), false);
            }
        }
        CohortPredictor p = source.load();
        LOADS.incrementAndGet();
        synchronized (IDLE) {
            ALL.add(p);
        }
        return new Lease(source, p, true);
    }

    /** @return how many times this JVM has loaded an ensemble */
    static int loads() {
        return LOADS.get();
    }

    /** Closes every idle predictor of this JVM (the driver, after a {@code local[*]} run). */
    static void closeIdle() {
        synchronized (IDLE) {
            for (ArrayDeque<CohortPredictor> q : IDLE.values()) {
                for (CohortPredictor p : q) {
                    p.close();
                    ALL.remove(p);
                }
            }
            IDLE.clear();
        }
    }
}
