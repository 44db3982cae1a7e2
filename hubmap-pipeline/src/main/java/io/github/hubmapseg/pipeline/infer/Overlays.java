package io.github.hubmapseg.pipeline.infer;

import io.github.hubmapseg.core.io.ImageFiles;
import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import io.github.hubmapseg.core.slide.ImageSource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import net.imglib2.FinalInterval;

/**
 * PNG overlays of a slide thumbnail with the outlines of the truth mask (green) and of the prediction
 * (magenta; both: white). The thumbnail is the slide read at a reduce factor making its longer side at most
 * {@code maxSide}; masks are sampled at the thumbnail pixel centres, one full-resolution row per thumbnail row
 * (never a whole mask). A pixel is on an outline when it is inside the mask and one of its 4 neighbours is not.
 */
public final class Overlays {
    private Overlays() {
    }

    /**
     * @param slide      the slide
     * @param truth      truth runs, or {@code null}
     * @param prediction predicted runs, or {@code null}
     * @param maxSide    longest side of the picture in pixels, {@code >= 16}
     * @param target     the PNG file (written atomically)
     * @throws IOException on read or write failure
     */
    public static void write(ImageSource slide, RleRuns truth, RleRuns prediction, int maxSide, Path target)
            throws IOException {
        if (maxSide < 16) {
            throw new IllegalArgumentException("maxSide must be >= 16, got " + maxSide);
        }
        int reduce = (int) Math.max(1, (Math.max(slide.width(), slide.height()) + maxSide - 1) / maxSide);
        byte[] px = slide.read(new FinalInterval(slide.width(), slide.height()), reduce).update(null)
                .getCurrentStorageArray();
        int w = (int) ((slide.width() + reduce - 1) / reduce);
        int h = (int) ((slide.height() + reduce - 1) / reduce);
        int c = slide.channels();
        int plane = w * h;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int r = px[i] & 0xFF;
                int g = c > 1 ? px[plane + i] & 0xFF : r;
                int b = c > 2 ? px[2 * plane + i] & 0xFF : r;
                img.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        byte[] t = truth == null ? null : sample(truth, w, h, reduce);
        byte[] p = prediction == null ? null : sample(prediction, w, h, reduce);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean et = t != null && edge(t, x, y, w, h);
                boolean ep = p != null && edge(p, x, y, w, h);
                if (et && ep) {
                    img.setRGB(x, y, 0xFFFFFF);
                } else if (et) {
                    img.setRGB(x, y, 0x00E000);
                } else if (ep) {
                    img.setRGB(x, y, 0xFF00FF);
                }
            }
        }
        ImageFiles.writePng(target, img);
    }

    private static byte[] sample(RleRuns runs, int w, int h, int reduce) {
        byte[] m = new byte[w * h];
        int fw = runs.width();
        for (int y = 0; y < h; y++) {
            int fy = Math.min(runs.height() - 1, y * reduce + reduce / 2);
            byte[] row = Rle.decodeWindow(runs, 0, fy, fw, 1);
            for (int x = 0; x < w; x++) {
                m[y * w + x] = row[Math.min(fw - 1, x * reduce + reduce / 2)];
            }
        }
        return m;
    }

    private static boolean edge(byte[] m, int x, int y, int w, int h) {
        if (m[y * w + x] == 0) {
            return false;
        }
        return x == 0 || y == 0 || x == w - 1 || y == h - 1 || m[y * w + x - 1] == 0 || m[y * w + x + 1] == 0
                || m[(y - 1) * w + x] == 0 || m[(y + 1) * w + x] == 0;
    }
}
