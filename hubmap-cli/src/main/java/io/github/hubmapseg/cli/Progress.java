package io.github.hubmapseg.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress reporter for long CLI work: a self-overwriting bar on an interactive terminal, plain log lines
 * (at most one per {@code 10 %} of the work, plus the last) otherwise, so logs of CI runs stay short. Both show
 * the elapsed time and, once some work was done in this run, the estimated time left (ETA: the work left at this
 * run's rate; work found done already, {@link #skip}, does not count for the rate). {@link #detail} adds a few
 * words after the bar (e.g. the slide being predicted); {@link #log} prints a line above the bar.
 * Thread-safe: workers may call {@link #step(long)} concurrently.
 */
final class Progress implements AutoCloseable {

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long done;
    private long skipped;
    private String detail = "";
    private int lastDecile = -1;
    private int lastWidth = -1;
    private long lastDrawNanos;

    Progress(PrintWriter out, String label, long total) {
        this(out, label, total, isTerminal());
    }

    Progress(PrintWriter out, String label, long total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
        this.terminal = terminal;
    }

    /** @return whether standard output is an interactive terminal (and not CI) */
    static boolean isTerminal() {
        return System.console() != null && System.getenv("CI") == null;
    }

    /** Adds {@code n} units of finished work. */
    synchronized void step(long n) {
        done = Math.min(total, done + n);
        render();
    }

    /** Sets the amount of finished work. */
    synchronized void set(long value) {
        done = Math.min(total, Math.max(0, value));
        render();
    }

    /** Adds {@code n} units found done before this run (e.g. slides skipped on a resume): not in the ETA's rate. */
    synchronized void skip(long n) {
        skipped = Math.min(total, skipped + n);
        done = Math.min(total, done + n);
        render();
    }

    /** Sets the words shown after the bar on a terminal (e.g. "slide 3/6 abc 45%"). */
    synchronized void detail(String text) {
        detail = text == null ? "" : text;
        if (terminal) {
            draw(true);
        }
    }

    /** Prints a line (above the bar on a terminal). */
    synchronized void log(String line) {
        if (terminal && lastWidth >= 0) {
            out.print("\r\033[K");
        }
        out.println(line);
        if (terminal && lastWidth >= 0) {
            draw(true);
        }
        out.flush();
    }

    /** @return elapsed and estimated remaining time, e.g. "12.3s, ETA 1m05s" ("ETA ?" before any work) */
    synchronized String timing() {
        double secs = (System.nanoTime() - startNanos) / 1e9;
        long worked = done - skipped;
        String eta;
        if (done >= total) {
            eta = "";
        } else if (worked <= 0 || secs <= 0) {
            eta = ", ETA ?";
        } else {
            eta = ", ETA " + duration((total - done) * secs / worked);
        }
        return String.format(Locale.ROOT, "%.1fs%s", secs, eta);
    }

    /** {@code 42s}, {@code 3m05s}, {@code 2h07m}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
    }

    private void render() {
        double frac = done / (double) total;
        if (terminal) {
            int width = (int) (frac * 30);
            long now = System.nanoTime();
            // redraw on each new bar cell, and at most 4 times a second otherwise (ETA, detail)
            if (width == lastWidth && done < total && now - lastDrawNanos < 250_000_000L) {
                return;
            }
            draw(false);
        } else {
            int decile = (int) (frac * 10);
            if (decile > lastDecile || done >= total && lastDecile < 10) {
                lastDecile = done >= total ? 10 : decile;
                out.println(String.format(Locale.ROOT, "%s: %d/%d (%.0f%%) %s", label, done, total, 100 * frac,
                        timing()));
                out.flush();
            }
        }
    }

    private void draw(boolean force) {
        double frac = done / (double) total;
        int width = (int) (frac * 30);
        if (!force && width == lastWidth && done < total && System.nanoTime() - lastDrawNanos < 250_000_000L) {
            return;
        }
        lastWidth = width;
        lastDrawNanos = System.nanoTime();
        out.print(String.format(Locale.ROOT, "\r\033[K%s [%-30s] %5.1f%% %s%s", label, "=".repeat(width),
                100 * frac, timing(), detail.isEmpty() ? "" : " | " + detail));
        if (done >= total) {
            out.println();
        }
        out.flush();
    }

    @Override
    public synchronized void close() {
        if (terminal && done < total && lastWidth >= 0) {
            out.println();
            out.flush();
        }
    }
}
