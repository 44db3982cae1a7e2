package io.github.hubmapseg.pipeline.plot;

import io.github.hubmapseg.core.io.ImageFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small line chart rendered with Java2D into a PNG (works headless: it only draws into a
 * {@link BufferedImage}). For loss / Dice curves per epoch and Dice vs threshold. Axes are linear, ranges
 * fit the data (or are fixed with {@link Builder#yRange}); non-finite values leave gaps. Immutable; build it
 * with {@link #builder(String)}.
 */
public final class LineChart {

    /** One named series of points; {@code x} and {@code y} have the same length. */
    public record Series(String name, double[] x, double[] y) {
        /** Validates and copies the arrays. */
        public Series {
            if (name == null) {
                throw new IllegalArgumentException("series name must not be null");
            }
            if (x == null || y == null || x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': x and y must have the same length, got "
                        + (x == null ? null : x.length) + " and " + (y == null ? null : y.length));
            }
            x = x.clone();
            y = y.clone();
        }
    }

    /** A vertical marker line at {@code x} with a label. */
    public record Marker(double x, String label) {
    }

    private static final Color[] PALETTE = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40),
        new Color(148, 103, 189), new Color(140, 86, 75), new Color(227, 119, 194), new Color(127, 127, 127)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series;
    private final List<Marker> markers;
    private final double yMin;
    private final double yMax;

    private LineChart(Builder b) {
        this.title = b.title;
        this.xLabel = b.xLabel;
        this.yLabel = b.yLabel;
        this.series = List.copyOf(b.series);
        this.markers = List.copyOf(b.markers);
        this.yMin = b.yMin;
        this.yMax = b.yMax;
    }

    /** A builder with the chart's title. */
    public static Builder builder(String title) {
        return new Builder(title);
    }

    /** The series, in drawing order. */
    public List<Series> series() {
        return series;
    }

    /** Renders the chart into a {@code width x height} RGB image. */
    public BufferedImage render(int width, int height) {
        if (width < 120 || height < 100) {
            throw new IllegalArgumentException("chart size must be at least 120x100, got " + width + "x" + height);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            double[] xr = range(true);
            double[] yr = Double.isNaN(yMin) ? range(false) : new double[] {yMin, yMax};
            double[] xt = ticks(xr[0], xr[1]);
            double[] yt = ticks(yr[0], yr[1]);
            xr = new double[] {Math.min(xr[0], xt[0]), Math.max(xr[1], xt[xt.length - 1])};
            if (Double.isNaN(yMin)) {
                yr = new double[] {Math.min(yr[0], yt[0]), Math.max(yr[1], yt[yt.length - 1])};
            }
            Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            g.setFont(font);
            FontMetrics fm = g.getFontMetrics();
            int left = 60;
            int right = width - 20;
            int top = 30;
            int bottom = height - 45;
            // title and labels
            g.setColor(Color.BLACK);
            g.setFont(font.deriveFont(Font.BOLD, 14f));
            g.drawString(title, (width - g.getFontMetrics().stringWidth(title)) / 2, 20);
            g.setFont(font);
            g.drawString(xLabel, (left + right - fm.stringWidth(xLabel)) / 2, height - 8);
            Graphics2D gy = (Graphics2D) g.create();
            gy.rotate(-Math.PI / 2);
            gy.drawString(yLabel, -(top + bottom + fm.stringWidth(yLabel)) / 2, 14);
            gy.dispose();
            // grid and ticks
            for (double t : xt) {
                int px = px(t, xr, left, right);
                g.setColor(new Color(230, 230, 230));
                g.drawLine(px, top, px, bottom);
                g.setColor(Color.DARK_GRAY);
                String s = fmt(t, xt);
                g.drawString(s, px - fm.stringWidth(s) / 2, bottom + 15);
            }
            for (double t : yt) {
                int py = py(t, yr, top, bottom);
                g.setColor(new Color(230, 230, 230));
                g.drawLine(left, py, right, py);
                g.setColor(Color.DARK_GRAY);
                String s = fmt(t, yt);
                g.drawString(s, left - 5 - fm.stringWidth(s), py + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, right - left, bottom - top);
            // markers
            g.setStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
            for (Marker m : markers) {
                int px = px(m.x(), xr, left, right);
                g.setColor(Color.GRAY);
                g.drawLine(px, top, px, bottom);
                g.drawString(m.label(), Math.min(px + 4, right - fm.stringWidth(m.label())), top + 14);
            }
            // series
            g.setClip(left, top, right - left + 1, bottom - top + 1);
            g.setStroke(new BasicStroke(2f));
            for (int s = 0; s < series.size(); s++) {
                Series se = series.get(s);
                g.setColor(PALETTE[s % PALETTE.length]);
                Path2D.Double path = new Path2D.Double();
                boolean pen = false;
                int drawn = 0;
                for (int i = 0; i < se.x().length; i++) {
                    double x = se.x()[i];
                    double y = se.y()[i];
                    if (!Double.isFinite(x) || !Double.isFinite(y)) {
                        pen = false;
                        continue;
                    }
                    double fx = fpx(x, xr, left, right);
                    double fy = fpy(y, yr, top, bottom);
                    if (pen) {
                        path.lineTo(fx, fy);
                    } else {
                        path.moveTo(fx, fy);
                        pen = true;
                    }
                    drawn++;
                }
                g.draw(path);
                if (drawn == 1 || se.x().length <= 40) {
                    for (int i = 0; i < se.x().length; i++) {
                        if (Double.isFinite(se.x()[i]) && Double.isFinite(se.y()[i])) {
                            int cx = (int) Math.round(fpx(se.x()[i], xr, left, right));
                            int cy = (int) Math.round(fpy(se.y()[i], yr, top, bottom));
                            g.fillOval(cx - 3, cy - 3, 6, 6);
                        }
                    }
                }
            }
            g.setClip(null);
            // legend
            int ly = top + 8;
            for (int s = 0; s < series.size(); s++) {
                String name = series.get(s).name();
                int lx = right - 30 - fm.stringWidth(name);
                g.setColor(PALETTE[s % PALETTE.length]);
                g.fillRect(lx, ly + 10 + s * 16 - 4, 20, 3);
                g.setColor(Color.BLACK);
                g.drawString(name, lx + 24, ly + 10 + s * 16);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes a PNG atomically (temporary file in the same directory, then a move). */
    public void writePng(Path target, int width, int height) throws IOException {
        BufferedImage img = render(width, height);
        ImageFiles.writePng(target, img);
    }

    private double[] range(boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            double[] v = x ? s.x() : s.y();
            double[] o = x ? s.y() : s.x();
            for (int i = 0; i < v.length; i++) {
                if (Double.isFinite(v[i]) && Double.isFinite(o[i])) {
                    lo = Math.min(lo, v[i]);
                    hi = Math.max(hi, v[i]);
                }
            }
        }
        if (x) {
            for (Marker m : markers) {
                if (Double.isFinite(m.x())) {
                    lo = Math.min(lo, m.x());
                    hi = Math.max(hi, m.x());
                }
            }
        }
        if (lo > hi) {
            return new double[] {0, 1};
        }
        if (lo == hi) {
            double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
            return new double[] {lo - pad, hi + pad};
        }
        return new double[] {lo, hi};
    }

    /** "Nice" tick values (1, 2, 5 x 10^k) covering {@code [lo, hi]}. */
    static double[] ticks(double lo, double hi) {
        double span = hi - lo;
        double raw = span / 6;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / mag >= 5 ? 10 * mag : raw / mag >= 2 ? 5 * mag : raw / mag >= 1 ? 2 * mag : mag;
        double first = Math.floor(lo / step) * step;
        double last = Math.ceil(hi / step) * step;
        int n = (int) Math.round((last - first) / step) + 1;
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = first + i * step;
        }
        return t;
    }

    private static String fmt(double v, double[] ticks) {
        double step = ticks.length > 1 ? ticks[1] - ticks[0] : 1;
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step) - 1e-9));
        if (Math.abs(v) >= 1e5 || (v != 0 && decimals > 5)) {
            return String.format(Locale.ROOT, "%.2g", v);
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-9 ? 0.0 : v);
    }

    private static double fpx(double x, double[] r, int left, int right) {
        return left + (x - r[0]) / (r[1] - r[0]) * (right - left);
    }

    private static double fpy(double y, double[] r, int top, int bottom) {
        return bottom - (y - r[0]) / (r[1] - r[0]) * (bottom - top);
    }

    private static int px(double x, double[] r, int left, int right) {
        return (int) Math.round(fpx(x, r, left, right));
    }

    private static int py(double y, double[] r, int top, int bottom) {
        return (int) Math.round(fpy(y, r, top, bottom));
    }

    /** Builds a {@link LineChart}; the title is required, the rest optional. */
    public static final class Builder {
        private final String title;
        private String xLabel = "x";
        private String yLabel = "y";
        private final List<Series> series = new ArrayList<>();
        private final List<Marker> markers = new ArrayList<>();
        private double yMin = Double.NaN;
        private double yMax = Double.NaN;

        private Builder(String title) {
            if (title == null) {
                throw new IllegalArgumentException("title must not be null");
            }
            this.title = title;
        }

        /** The x-axis label (default "x"). */
        public Builder xLabel(String label) {
            this.xLabel = label;
            return this;
        }

        /** The y-axis label (default "y"). */
        public Builder yLabel(String label) {
            this.yLabel = label;
            return this;
        }

        /** Adds a series (arrays are copied). */
        public Builder series(String name, double[] x, double[] y) {
            series.add(new Series(name, x, y));
            return this;
        }

        /** Adds a series against {@code 1..n} (e.g. values per epoch). */
        public Builder series(String name, double[] y) {
            double[] x = new double[y.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = i + 1;
            }
            return series(name, x, y);
        }

        /** Adds a labelled vertical marker. */
        public Builder marker(double x, String label) {
            markers.add(new Marker(x, label));
            return this;
        }

        /** Fixes the y range instead of fitting it to the data. */
        public Builder yRange(double min, double max) {
            if (!(min < max) || !Double.isFinite(min) || !Double.isFinite(max)) {
                throw new IllegalArgumentException("y range must be finite with min < max, got [" + min + ", " + max + "]");
            }
            this.yMin = min;
            this.yMax = max;
            return this;
        }

        /** Validates and builds. */
        public LineChart build() {
            if (series.isEmpty()) {
                throw new IllegalArgumentException("chart '" + title + "' needs at least one series");
            }
            return new LineChart(this);
        }
    }
}
