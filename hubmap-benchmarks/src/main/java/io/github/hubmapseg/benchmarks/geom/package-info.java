/** Measured runs of the mask-to-polygon tracing (memory and time on a full-size synthetic slide). */
package io.github.hubmapseg.benchmarks.geom;
