package io.github.hubmapseg.tiling;

import java.util.Locale;
import java.util.function.Supplier;

/**
 * Whether the tiling kernels (the window conversion of the whole-slide pass, the stitcher's blend) run on the
 * JDK's incubating Vector API ({@code jdk.incubator.vector}) or as plain loops. The conversion gives the same bits
 * either way; the stitcher's Vector API blend adds in another order than its plain-loop blend (both within 1e-6 of
 * the float64 blend, each exact for equal predictions and single-tile pixels). The Vector API is used when the JVM
 * was started with {@code --add-modules=jdk.incubator.vector} (as {@code ./hubmap}, the tests and the benchmarks
 * start it; the JVM then prints "WARNING: Using incubator modules") and the system property {@value #PROPERTY} is
 * not {@code off}. HotSpot's own auto-vectorizer (JDK 17) leaves these loops
 * scalar: they read arrays at different run-time offsets or convert bytes to floats.
 *
 * <p>A kernel is a small interface with a scalar implementation and a vector one, a package-private class that
 * is loaded by name only when the module is present ({@link #kernel}), so the library runs on a JVM without it.
 */
public final class Vectorization {

    /** System property: {@code auto} (default: use the Vector API when the module is present) or {@code off}. */
    public static final String PROPERTY = "hubmap.simd";
    /** The JDK module of the Vector API. */
    public static final String MODULE = "jdk.incubator.vector";
    private static final String PROBE = "io.github.hubmapseg.tiling.VectorProbe";

    private static final State STATE = detect(System.getProperty(PROPERTY, "auto"),
            ModuleLayer.boot().findModule(MODULE).isPresent());

    private Vectorization() {
    }

    /** What was decided: the vector width in bits (0: scalar), why, and an error for a bad property value. */
    record State(int bits, String reason, String error) {
    }

    static State detect(String property, boolean modulePresent) {
        String p = property == null ? "auto" : property.trim().toLowerCase(Locale.ROOT);
        if (p.equals("off")) {
            return new State(0, "-D" + PROPERTY + "=off", null);
        }
        if (!p.equals("auto")) {
            return new State(0, "bad -D" + PROPERTY, "-D" + PROPERTY + " must be auto or off, got '" + property + "'");
        }
        if (!modulePresent) {
            return new State(0, "module " + MODULE + " not loaded; start the JVM with --add-modules=" + MODULE, null);
        }
        try {
            int bits = ((Supplier<?>) Class.forName(PROBE).getDeclaredConstructor().newInstance()).get().hashCode();
            return new State(bits, MODULE, null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return new State(0, MODULE + " unusable: " + e, null);
        }
    }

    /** True when the kernels run on the Vector API. */
    public static boolean enabled() {
        return STATE.bits() > 0;
    }

    /** One line for logs and reports, e.g. "Vector API, 512-bit" or "scalar (module ... not loaded; ...)". */
    public static String describe() {
        return enabled() ? "Vector API, " + STATE.bits() + "-bit (" + MODULE + ")" : "scalar (" + STATE.reason() + ")";
    }

    /**
     * The implementation of a kernel: an instance of {@code vectorClass} (a class of this package with a public
     * no-argument constructor, using the Vector API) when {@link #enabled()}, else {@code scalar.get()}.
     *
     * @throws IllegalArgumentException if {@value #PROPERTY} has a value other than auto or off
     */
    static <T> T kernel(Class<T> type, String vectorClass, Supplier<? extends T> scalar) {
        if (STATE.error() != null) {
            throw new IllegalArgumentException(STATE.error());
        }
        return enabled() ? vector(type, vectorClass) : scalar.get();
    }

    /** The vector implementation regardless of the property (tests compare it with the scalar one). */
    static <T> T vector(Class<T> type, String vectorClass) {
        if (STATE.bits() == 0 && !ModuleLayer.boot().findModule(MODULE).isPresent()) {
            throw new IllegalStateException(vectorClass + " needs the JVM option --add-modules=" + MODULE);
        }
        try {
            return type.cast(Class.forName(vectorClass).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the vector kernel " + vectorClass + ": " + e, e);
        }
    }
}
