/** Measured runs of the report's Deep Zoom tile writer (time and heap on a full-size slide). */
package io.github.hubmapseg.benchmarks.report;
