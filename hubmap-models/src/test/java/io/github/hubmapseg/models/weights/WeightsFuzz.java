package io.github.hubmapseg.models.weights;

import io.github.hubmapseg.testkit.Mutator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import net.jqwik.api.lifecycle.AfterContainer;

/**
 * Fuzz targets of the weight readers (issue #15): mutated seeds ({@code src/test/resources/fuzz/pth-zip},
 * {@code pth-legacy}, {@code safetensors}: small {@code torch.save} and {@code .safetensors} files written by
 * {@code make_seeds.py} with python3-torch, and hostile variants) are read with {@link WeightFiles#read}, which
 * must succeed or fail with an {@link IOException} whose one-line message starts with the file. Anything else
 * ({@link OutOfMemoryError} under the stage's 512 MB heap, a {@code ClassCastException}, an
 * {@code ArrayIndexOutOfBoundsException} from the unpickler, ...) fails, saving the input to
 * {@code target/fuzz-findings/}. Tries per target: {@code jqwik.tries.default} (the pom's {@code fuzz.tries}).
 */
@Tag("fuzz")
class WeightsFuzz {

    private static final Path TMP;

    static {
        try {
            TMP = Files.createTempDirectory("hubmap-weights-fuzz");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterContainer
    static void report() throws IOException {
        Mutator.reportExecutions();
        try (var s = Files.list(TMP)) {
            for (Path p : s.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(TMP);
    }

    /** Reads one mutated file; only success or the documented one-line error starting with the file pass. */
    static void check(String target, String suffix, Mutator.Input in) throws IOException {
        Mutator.count(target);
        Path f = Files.write(TMP.resolve("fuzz" + suffix), in.data());
        try {
            StateDict d = WeightFiles.read(f);
            d.tensors().values().forEach(a -> a.close());
        } catch (IOException e) {
            String m = e.getMessage();
            if (m == null || !m.startsWith(f.toString()) || m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0) {
                throw Mutator.finding(target, in, new AssertionError("error message must be one line starting "
                        + "with the file, got: " + m, e));
            }
        } catch (Throwable t) {
            throw Mutator.finding(target, in, t);
        }
    }

    @Provide
    Arbitrary<Mutator.Input> zips() {
        return Mutator.inputs("pth-zip");
    }

    @Property(seed = Mutator.CI_SEED)
    void torchZip(@ForAll("zips") Mutator.Input in) throws IOException {
        check("pth-zip", ".pth", in);
    }

    @Provide
    Arbitrary<Mutator.Input> legacy() {
        return Mutator.inputs("pth-legacy");
    }

    @Property(seed = Mutator.CI_SEED)
    void torchLegacy(@ForAll("legacy") Mutator.Input in) throws IOException {
        check("pth-legacy", ".pth", in);
    }

    @Provide
    Arbitrary<Mutator.Input> safetensors() {
        return Mutator.inputs("safetensors");
    }

    @Property(seed = Mutator.CI_SEED)
    void safeTensors(@ForAll("safetensors") Mutator.Input in) throws IOException {
        check("safetensors", ".safetensors", in);
    }
}
