package io.github.hubmapseg.models;

import java.util.Properties;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Configures Deeplearning4j 1.0.0-M2.1 for fast CPU training and inference ("the oneDNN recipe").
 *
 * <p>Out of the box, ComputationGraph layers never reach oneDNN in M2.1 and convolutions run as Java
 * im2col + OpenBLAS (about 15-20x slower than PyTorch). {@link #configure()} applies the recipe:
 * <ol>
 *   <li>selects the {@code nd4j-native} {@code linux-x86_64-onednn} native build (with the Maven profile
 *       {@code cuda}, whose CUDA backend is found on the class path, the {@code -cudnn} build instead) by setting the JavaCPP
 *       property {@code org.bytedeco.javacpp.platform.extension=-onednn} (unless already set). The jar
 *       is a dependency of hubmap-models; the property only has an effect if it is set before ND4J loads
 *       its native library, so call {@code configure()} first thing (every factory of this module does).
 *       Alternatively pass {@code -Dorg.bytedeco.javacpp.platform.extension=-onednn} to the JVM;</li>
 *   <li>sets {@code org.eclipse.deeplearning4j.helpers.disable=false} (DL4J's default is {@code true},
 *       which disables all layer helpers) unless the user set it;</li>
 *   <li>relies on the shim {@code org.nd4j.nativeblas.Nd4jCpu$Environment} shipped in this module:
 *       DL4J's {@code BaseMKLDNNHelper} looks that class up by its pre-M2 name;</li>
 *   <li>allows helpers in the ND4J environment.</li>
 * </ol>
 * The models of this module are also built with {@code CNN2DFormat.NHWC} on every layer (removes
 * oneDNN's layout reorders) and keep workspaces ENABLED (NONE is about 15x slower).
 *
 * <p>Set the system property {@code hubmap.onednn=false} to skip the recipe (for comparisons).
 */
public final class Dl4jRuntime {
    /** JavaCPP property selecting a native build variant. */
    public static final String PLATFORM_EXTENSION = "org.bytedeco.javacpp.platform.extension";
    /** DL4J property disabling layer helpers (DL4J default {@code true}). */
    public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";
    /** Property of this library: {@code false} skips the recipe. */
    public static final String ENABLE = "hubmap.onednn";

    private static volatile boolean configured;

    private Dl4jRuntime() {
    }

    /**
     * Applies the recipe once (idempotent, thread-safe) and initialises ND4J.
     *
     * @return whether oneDNN is in use by the loaded native library
     */
    public static synchronized boolean configure() {
        if (!configured) {
            if (!"false".equalsIgnoreCase(System.getProperty(ENABLE))) {
                if (System.getProperty(PLATFORM_EXTENSION) == null) {
                    // -Pcuda puts the CUDA backend on the class path instead: its fast build is "-cudnn"
                    System.setProperty(PLATFORM_EXTENSION, cudaBackendPresent() ? "-cudnn" : "-onednn");
                }
                if (System.getProperty(HELPERS_DISABLE) == null) {
                    System.setProperty(HELPERS_DISABLE, "false");
                }
                Nd4j.getEnvironment().allowHelpers(true);
            }
            configured = true;
        }
        return oneDnnAvailable();
    }

    /**
     * Whether ND4J's CUDA backend ({@code nd4j-cuda-11.6}, Maven profile {@code cuda}) is on the class path;
     * checked without loading it, before ND4J picks a backend.
     *
     * @return {@code true} if the CUDA backend class is present
     */
    public static boolean cudaBackendPresent() {
        try {
            Class.forName("org.nd4j.linalg.jcublas.JCublasBackend", false, Dl4jRuntime.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Whether the loaded native ND4J library was built with oneDNN and uses it.
     *
     * @return {@code true} for the {@code -onednn} build with oneDNN switched on
     */
    public static boolean oneDnnAvailable() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        if (!"CPU".equalsIgnoreCase(env.getProperty("backend"))) {
            return false;
        }
        try {
            // by reflection: the class exists only with the nd4j-native (CPU) backend, not with -Pcuda
            Class<?> c = Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
            Object instance = c.getMethod("getInstance").invoke(null);
            return (Boolean) c.getMethod("isUseONEDNN").invoke(instance);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }

    /**
     * One line describing the backend for logs and benchmark reports.
     *
     * @return e.g. {@code "CPU, oneDNN on, helpers enabled, 2 OMP threads"}
     */
    public static String describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        return env.getProperty("backend") + ", oneDNN " + (oneDnnAvailable() ? "on" : "off")
                + ", helpers " + ("false".equalsIgnoreCase(System.getProperty(HELPERS_DISABLE, "true"))
                        ? "enabled" : "disabled")
                + ", " + env.getProperty("omp.threads", "?") + " OMP threads";
    }
}
