package io.github.hubmapseg.cli;

import io.github.hubmapseg.core.rle.Rle;
import io.github.hubmapseg.core.rle.RleRuns;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code hubmap rle encode MASK} and {@code hubmap rle decode --size WxH (RLE | --file F) --out MASK}: Kaggle
 * run-length encoding (column-major, 1-based) of PNG/TIFF masks.
 */
@Command(name = "rle", mixinStandardHelpOptions = true,
        description = "Kaggle run-length encoding of PNG/TIFF masks (column-major pixel numbering from 1).",
        subcommands = {RleCommand.Encode.class, RleCommand.Decode.class})
final class RleCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Prints the RLE of a mask image. */
    @Command(name = "encode", mixinStandardHelpOptions = true,
            description = "Print the RLE of a PNG/TIFF mask (non-zero pixels are foreground).")
    static final class Encode implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "MASK", description = "Mask image (.png, .tif).")
        Path mask;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            out.println(MaskImages.runs(MaskImages.read(mask)).toRle());
            out.flush();
            return 0;
        }
    }

    /** Writes the mask of an RLE string as a 0/255 image. */
    @Command(name = "decode", mixinStandardHelpOptions = true,
            description = "Decode an RLE (argument or --file) into a 0/255 PNG/TIFF mask.")
    static final class Decode implements Callable<Integer> {

        @Option(names = "--size", required = true, paramLabel = "WxH", description = "Mask width x height, e.g. 1024x768.")
        String size;

        @Parameters(index = "0", arity = "0..1", paramLabel = "RLE", description = "The RLE string (quote it).")
        String rle;

        @Option(names = "--file", paramLabel = "F", description = "Read the RLE string from this text file.")
        Path file;

        @Option(names = "--out", required = true, paramLabel = "MASK", description = "Output mask (.png, .tif).")
        Path out;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            int[] wh = parseSize(size);
            if ((rle == null) == (file == null)) {
                throw new IllegalArgumentException("give the RLE either as an argument or with --file, "
                        + (rle == null ? "got neither" : "got both"));
            }
            String text = rle;
            if (file != null) {
                if (!Files.isRegularFile(file)) {
                    throw new NoSuchFileException(file.toString(), null, "RLE file not found");
                }
                text = Files.readString(file, StandardCharsets.ISO_8859_1);
            }
            RleRuns runs = Rle.parse(text, wh[1], wh[0]);
            MaskImages.write(runs, out);
            PrintWriter o = spec.commandLine().getOut();
            o.printf("wrote %s (%dx%d, %d foreground pixels)%n", out, wh[0], wh[1], runs.area());
            o.flush();
            return 0;
        }
    }

    /** Parses {@code WxH} into {width, height}. */
    static int[] parseSize(String s) {
        String[] p = s.trim().toLowerCase(java.util.Locale.ROOT).split("x");
        if (p.length == 2) {
            try {
                int w = Integer.parseInt(p[0].trim());
                int h = Integer.parseInt(p[1].trim());
                if (w > 0 && h > 0) {
                    return new int[] {w, h};
                }
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("--size must be WIDTHxHEIGHT with positive integers (e.g. 1024x768), got '"
                + s + "'");
    }
}
