package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.slide.ImageSource;
import io.github.hubmapseg.core.slide.ImageSources;
import io.github.hubmapseg.core.slide.SlideInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code hubmap info SLIDE...}: prints how each slide stores its pixels (size, channels, planar or
 * interleaved, tiled or stripped, compression, BigTIFF) and which reader serves it. Reads no pixels.
 */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print size, channels, layout, compression and BigTIFF-or-not of slide files.")
final class InfoCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "SLIDE", description = "TIFF or BigTIFF slides.")
    List<Path> slides;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        for (Path slide : slides) {
            try (ImageSource src = ImageSources.open(slide)) {
                SlideInfo i = src.info();
                out.printf("file:        %s%n", slide);
                out.printf("size:        %d x %d pixels (width x height)%n", i.width(), i.height());
                out.printf("channels:    %d x %d bits%n", i.channels(), i.bitsPerSample());
                out.printf("layout:      %s, %s%n", i.planar() ? "planar" : "interleaved",
                        i.tiled() ? "tiled " + i.blockWidth() + " x " + i.blockHeight()
                                : "stripped, " + i.blockHeight() + " rows per strip");
                out.printf("compression: %s%n", i.compression());
                out.printf("bigtiff:     %s%n", i.bigTiff() ? "yes" : "no");
                out.printf("reader:      %s%n", i.reader());
            }
        }
        out.flush();
        return 0;
    }
}
