package io.github.hubmapseg.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Mutation-based input generation from a seed corpus: an input is a seed file changed by 0 to 8 random edits
 * (bit flips, "interesting" bytes and 2/4/8-byte integers such as 0, -1, 2^31 - 1, 2^63, truncation, deleted and
 * duplicated chunks), half of them inside the first 512 bytes (TIFF header and directory). Deterministic for a
 * given (seed file, rng seed, edit count), which jqwik reports for a failing input.
 */
public final class Mutator {

    /** Executions per fuzz target in this JVM, for the stage's report. */
    private static final java.util.Map<String, java.util.concurrent.atomic.AtomicLong> EXECUTIONS =
            new java.util.TreeMap<>();

    /**
     * One generated input.
     *
     * @param seed  the seed file (or line) it was made from
     * @param rng   the mutation's random seed
     * @param edits the number of edits
     * @param data  the bytes
     */
    public record Input(String seed, long rng, int edits, byte[] data) {
        @Override
        public String toString() {
            return "Input[seed=" + seed + ", rng=" + rng + ", edits=" + edits + ", " + data.length + " bytes]";
        }
    }

    private static final long[] INTERESTING = {0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        0x7FFFFFFFL, 0x80000000L, 0xFFFFFFFFL, 0x100000000L, Long.MAX_VALUE, Long.MIN_VALUE, 16, 512, 65536};

    private Mutator() {
    }

    /** The files of {@code src/test/resources/fuzz/<corpus>/}, sorted by name. */
    public static List<Path> corpus(String corpus) {
        URL url = Mutator.class.getResource("/fuzz/" + corpus);
        if (url == null) {
            throw new IllegalStateException("no fuzz corpus /fuzz/" + corpus + " on the test class path");
        }
        try (Stream<Path> s = Files.list(Path.of(url.toURI()))) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Mutated inputs from the files of a corpus. */
    public static Arbitrary<Input> inputs(String corpus) {
        List<Path> files = corpus(corpus);
        List<byte[]> seeds = new ArrayList<>();
        for (Path p : files) {
            try {
                seeds.add(Files.readAllBytes(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Combinators.combine(Arbitraries.integers().between(0, files.size() - 1), Arbitraries.longs(),
                Arbitraries.integers().between(0, 8)).as((i, rng, edits) -> new Input(
                        files.get(i).getFileName().toString(), rng, edits, mutate(seeds.get(i), rng, edits)));
    }

    /** Mutated lines of a text corpus file (one seed per line). */
    public static Arbitrary<Input> lines(String corpus) {
        List<String> lines = new ArrayList<>();
        for (Path p : corpus(corpus)) {
            try {
                lines.addAll(Files.readAllLines(p, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Combinators.combine(Arbitraries.integers().between(0, lines.size() - 1), Arbitraries.longs(),
                Arbitraries.integers().between(0, 6)).as((i, rng, edits) -> new Input("line " + (i + 1), rng, edits,
                        mutateText(lines.get(i), rng, edits).getBytes(StandardCharsets.UTF_8)));
    }

    /** A seed with {@code edits} random edits of the random seed {@code rngSeed}. */
    public static byte[] mutate(byte[] seed, long rngSeed, int edits) {
        Random r = new Random(rngSeed);
        byte[] b = seed.clone();
        for (int e = 0; e < edits && b.length > 0; e++) {
            int pos = r.nextBoolean() ? r.nextInt(Math.min(512, b.length)) : r.nextInt(b.length);
            switch (r.nextInt(7)) {
                case 0 -> b[pos] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[pos] = (byte) INTERESTING[r.nextInt(6)];
                case 2, 3 -> {
                    int width = new int[] {2, 4, 8}[r.nextInt(3)];
                    long v = r.nextInt(4) == 0 ? r.nextLong() : INTERESTING[r.nextInt(INTERESTING.length)];
                    boolean little = r.nextBoolean();
                    for (int k = 0; k < width && pos + k < b.length; k++) {
                        int shift = 8 * (little ? k : width - 1 - k);
                        b[pos + k] = (byte) (v >>> shift);
                    }
                }
                case 4 -> b = Arrays.copyOf(b, pos); // truncate
                case 5 -> { // delete a chunk
                    int len = Math.min(b.length - pos, 1 + r.nextInt(64));
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, pos);
                    System.arraycopy(b, pos + len, c, pos, b.length - pos - len);
                    b = c;
                }
                default -> { // duplicate a chunk in place
                    int len = Math.min(b.length - pos, 1 + r.nextInt(64));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, pos + len);
                    System.arraycopy(b, pos, c, pos + len, b.length - pos);
                    b = c;
                }
            }
        }
        return b;
    }

    private static final String[] TOKENS = {"0", "-1", " ", "  ", "\t", "x", "1e3", "2147483647", "2147483648",
        "9223372036854775807", "99999999999999999999", "+5", "\u0663", "\n", ",", "\""};

    /** A text seed with {@code edits} random token edits. */
    public static String mutateText(String seed, long rngSeed, int edits) {
        Random r = new Random(rngSeed);
        StringBuilder s = new StringBuilder(seed);
        for (int e = 0; e < edits; e++) {
            int pos = s.length() == 0 ? 0 : r.nextInt(s.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> s.insert(pos, TOKENS[r.nextInt(TOKENS.length)]);
                case 1 -> {
                    if (pos < s.length()) {
                        s.deleteCharAt(pos);
                    }
                }
                case 2 -> {
                    if (pos < s.length()) {
                        s.setCharAt(pos, (char) ('0' + r.nextInt(10)));
                    }
                }
                default -> {
                    int end = Math.min(s.length(), pos + 1 + r.nextInt(8));
                    s.insert(pos, s.substring(pos, end));
                }
            }
        }
        return s.toString();
    }

    /** Counts one execution of a fuzz target. */
    public static void count(String target) {
        synchronized (EXECUTIONS) {
            EXECUTIONS.computeIfAbsent(target, k -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
        }
    }

    /**
     * Prints and writes {@code target/fuzz-executions.txt} ("fuzz executions per target: a=5000 b=5000"), adding to
     * what an earlier fuzz class of the same module wrote in this build.
     */
    public static void reportExecutions() throws IOException {
        StringBuilder sb = new StringBuilder("fuzz executions per target:");
        synchronized (EXECUTIONS) {
            EXECUTIONS.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v.get()));
        }
        System.out.println(sb);
        Path out = Path.of("target", "fuzz-executions.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb + "\n");
    }

    /**
     * A failure of a fuzz target, with the input saved to {@code target/fuzz-findings/} for a regression test.
     *
     * @return the error to throw
     */
    public static AssertionError finding(String target, Input in, Throwable t) {
        Path dir = Path.of("target", "fuzz-findings");
        String name = target + "-" + in.seed().replaceAll("[^A-Za-z0-9._-]", "_") + "-" + in.rng() + "-"
                + in.edits() + ".bin";
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(name), in.data());
        } catch (IOException ignored) {
            // the report below still names the input
        }
        return new AssertionError(target + ": " + in + " (saved as " + dir.resolve(name) + ") threw " + t, t);
    }
}
