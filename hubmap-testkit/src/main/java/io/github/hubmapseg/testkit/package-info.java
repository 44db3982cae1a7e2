/**
 * Test support for every module of hubmap-seg: {@link io.github.hubmapseg.testkit.ExternalTools} finds the
 * independent reference tools a test compares against, and {@link io.github.hubmapseg.testkit.MissingToolsReport}
 * prints one line per build naming how many tests were skipped for a missing tool and which Debian package runs them.
 */
package io.github.hubmapseg.testkit;
