/**
 * Conformance checks against the golden vectors of {@code conformance/}: the check interface, its results
 * and the JSON they are read from and reported as.
 */
package io.github.hubmapseg.core.conformance;
