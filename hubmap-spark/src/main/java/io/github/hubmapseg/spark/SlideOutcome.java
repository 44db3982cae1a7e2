package io.github.hubmapseg.spark;

import java.io.Serializable;

/**
 * What one Spark task did with its slide (sent back to the driver).
 *
 * @param id        the slide id
 * @param executor  {@code host/pid} of the JVM that ran it
 * @param predicted {@code true} when it predicted the slide; {@code false} when the unit was already done (a
 *                  retried or speculative attempt whose twin finished first)
 * @param loaded    whether this task loaded the ensemble (the first slide of a task slot) rather than reusing it
 * @param seconds   the task's wall time (loading included)
 */
public record SlideOutcome(String id, String executor, boolean predicted, boolean loaded, double seconds)
        implements Serializable {
    private static final long serialVersionUID = 1L;
}
