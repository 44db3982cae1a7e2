/**
 * Whole cohorts: a slide list (competition folder, folder of TIFFs, CSV), per-slide work units written atomically
 * and idempotently under {@code OUT/slides/<id>/}, shards, and the assembly of {@code submission.csv}.
 */
package io.github.hubmapseg.pipeline.cohort;
