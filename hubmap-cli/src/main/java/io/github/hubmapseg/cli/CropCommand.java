package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.io.ImageFiles;
import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import net.imglib2.FinalInterval;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hubmap crop SLIDE --x X --y Y --width W --height H [--reduce R] --out F.png}: writes one region of a
 * slide as an RGB PNG, reading only the tiles or rows under it. The region is in full-resolution pixels and may
 * extend past the image (padded white); with {@code --reduce R} the PNG is {@code ceil(W/R) x ceil(H/R)}, each
 * pixel the mean of an R x R block. One-channel slides are written gray-as-RGB; a 4th channel is dropped.
 */
@Command(name = "crop", mixinStandardHelpOptions = true,
        description = "Write a region of a slide as an RGB PNG (reads only what the region needs).")
final class CropCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "SLIDE", description = "TIFF or BigTIFF slide.")
    Path slide;

    @Option(names = "--x", required = true, description = "Left column of the region (full-resolution pixels).")
    long x;

    @Option(names = "--y", required = true, description = "Top row of the region (full-resolution pixels).")
    long y;

    @Option(names = "--width", required = true, description = "Region width in full-resolution pixels.")
    long width;

    @Option(names = "--height", required = true, description = "Region height in full-resolution pixels.")
    long height;

    @Option(names = "--reduce", defaultValue = "1",
            description = "Downsampling factor (block mean), e.g. 2, 3, 4; default ${DEFAULT-VALUE}.")
    int reduce;

    @Option(names = "--out", required = true, paramLabel = "F.png", description = "Output PNG file.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("--width and --height must be > 0, got " + width + " x " + height);
        }
        if (reduce < 1) {
            throw new IllegalArgumentException("--reduce must be >= 1, got " + reduce);
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new IllegalArgumentException("--out must be a .png file, got " + out);
        }
        BufferedImage image;
        try (ImageSource src = ImageSources.open(slide)) {
            var img = src.read(FinalInterval.createMinSize(x, y, width, height), reduce);
            int w = (int) img.dimension(0);
            int h = (int) img.dimension(1);
            int c = (int) img.dimension(2);
            byte[] planes = img.update(null).getCurrentStorageArray();
            image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int[] rgb = new int[w];
            int plane = w * h;
            for (int j = 0; j < h; j++) {
                for (int i = 0; i < w; i++) {
                    int p = i + w * j;
                    int r = planes[p] & 0xFF;
                    int g = c >= 3 ? planes[p + plane] & 0xFF : r;
                    int b = c >= 3 ? planes[p + 2 * plane] & 0xFF : r;
                    rgb[i] = (r << 16) | (g << 8) | b;
                }
                image.setRGB(0, j, w, 1, rgb, 0, w);
            }
        }
        writeAtomically(image, out);
        PrintWriter o = spec.commandLine().getOut();
        o.printf("wrote %s (%d x %d RGB)%n", out, image.getWidth(), image.getHeight());
        o.flush();
        return 0;
    }

    private static void writeAtomically(BufferedImage image, Path out) throws IOException {
        ImageFiles.writePng(out, image);
    }
}
