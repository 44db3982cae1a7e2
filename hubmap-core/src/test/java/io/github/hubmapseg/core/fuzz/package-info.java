/**
 * The fuzz stage (issue #15): jqwik properties that feed mutated seed files ({@code src/test/resources/fuzz/})
 * to the TIFF reader, {@code Rle.parse} and the competition file readers, tagged {@code fuzz} and run by
 * {@code mvn test} in their own JVM with a 512 MB heap.
 */
package io.github.hubmapseg.core.fuzz;
