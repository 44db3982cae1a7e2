package io.github.hubmapseg.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress reporter for long CLI work: a self-overwriting bar on an interactive terminal, plain log lines
 * (at most one per {@code 10 %} of the work, plus the last) otherwise, so logs of CI runs stay short.
 * Thread-safe: workers may call {@link #step(long)} concurrently.
 */
final class Progress implements AutoCloseable {

    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean terminal;
    private final long startNanos = System.nanoTime();
    private long done;
    private int lastDecile = -1;
    private int lastWidth = -1;

    Progress(PrintWriter out, String label, long total) {
        this(out, label, total, System.console() != null && System.getenv("CI") == null);
    }

    Progress(PrintWriter out, String label, long total, boolean terminal) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
        this.terminal = terminal;
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

    private void render() {
        double frac = done / (double) total;
        double secs = (System.nanoTime() - startNanos) / 1e9;
        if (terminal) {
            int width = (int) (frac * 30);
            if (width == lastWidth && done < total) {
                return;
            }
            lastWidth = width;
            out.print(String.format(Locale.ROOT, "\r%s [%-30s] %5.1f%% %d/%d %.1fs", label,
                    "=".repeat(width), 100 * frac, done, total, secs));
            if (done >= total) {
                out.println();
            }
            out.flush();
        } else {
            int decile = (int) (frac * 10);
            if (decile > lastDecile || done >= total && lastDecile < 10) {
                lastDecile = done >= total ? 10 : decile;
                out.println(String.format(Locale.ROOT, "%s: %d/%d (%.0f%%) %.1fs", label, done, total, 100 * frac, secs));
                out.flush();
            }
        }
    }

    @Override
    public synchronized void close() {
        if (terminal && done < total && lastWidth >= 0) {
            out.println();
            out.flush();
        }
    }
}
