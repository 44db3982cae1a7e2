/**
 * The fuzz stage of hubmap-models: jqwik properties that feed mutated checkpoints to {@code Checkpoints.load},
 * tagged {@code fuzz} and run by the pom's {@code fuzz} surefire execution with a small heap.
 */
package io.github.hubmapseg.models.fuzz;
