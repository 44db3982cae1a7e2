package io.github.hubmapseg.models;

import java.lang.reflect.Field;
import java.util.Properties;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
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
 *   <li>allows helpers in the ND4J environment;</li>
 *   <li>sets {@code OMP_WAIT_POLICY=PASSIVE} (unless set) before the native library loads and tunes glibc's
 *       malloc ({@link #tuneMalloc()}): both measured, see the methods.</li>
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
    /** Property of this library: {@code false} leaves glibc's malloc settings alone (see {@link #tuneMalloc()}). */
    public static final String MALLOPT = "hubmap.mallopt";
    /** Property of this library: {@code false} leaves {@code OMP_WAIT_POLICY} alone (see {@link #configure()}). */
    public static final String OMP_PASSIVE = "hubmap.ompPassive";
    /**
     * Property of this library: {@code false} makes {@link #accelerate(ComputationGraph)} a no-op and
     * {@link NhwcConvolutionLayer}s built meanwhile run DL4J's own code (for comparisons).
     */
    public static final String ACCELERATE = "hubmap.accelerate";

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
                passiveOmpWait();
                if (System.getProperty(PLATFORM_EXTENSION) == null) {
                    // -Pcuda puts the CUDA backend on the class path instead: its fast build is "-cudnn"
                    System.setProperty(PLATFORM_EXTENSION, cudaBackendPresent() ? "-cudnn" : "-onednn");
                }
                if (System.getProperty(HELPERS_DISABLE) == null) {
                    System.setProperty(HELPERS_DISABLE, "false");
                }
                Nd4j.getEnvironment().allowHelpers(true);
                tuneMalloc();
            }
            configured = true;
        }
        return oneDnnAvailable();
    }

    private static volatile boolean mallocTuned;

    /**
     * Sets the environment variable {@code OMP_WAIT_POLICY=PASSIVE} of this process unless it is set already
     * (Linux; skipped with {@code -Dhubmap.ompPassive=false}). It only takes effect if ND4J's native library
     * (and with it the OpenMP runtime, which reads the variable once when it loads) has not been loaded yet,
     * which is why {@link #configure()} does it first.
     *
     * <p>Why: with more than one OpenMP thread, libgomp's waiting threads spin between parallel regions. When
     * the cores are shared (other processes, or PyTorch in the same benchmark window) the spinning threads
     * take the CPU from the working ones: a tiny U-Net training step with 2 threads on a loaded 2-core machine
     * took 3.0 s with the default policy and 0.53 s with {@code PASSIVE} (PyTorch, also spinning: 1.7 s).
     */
    private static void passiveOmpWait() {
        if ("false".equalsIgnoreCase(System.getProperty(OMP_PASSIVE)) || System.getenv("OMP_WAIT_POLICY") != null
                || !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return;
        }
        try {
            com.sun.jna.NativeLibrary.getInstance("c").getFunction("setenv")
                    .invokeInt(new Object[] {"OMP_WAIT_POLICY", "PASSIVE", 0});
        } catch (RuntimeException | LinkageError e) {
            // JNA missing: keep the OpenMP default
        }
    }

    /**
     * Stops glibc from handing the large temporary buffers of oneDNN back to the kernel after every use
     * (Linux only; called by {@link #configure()}; {@code -Dhubmap.mallopt=false} skips it).
     *
     * <p>Why: oneDNN allocates its blocked-layout copies (e.g. a 16 MB {@code aBcd16b} copy of a
     * 4x8x256x256 activation in every convolution backward pass) with {@code malloc} and frees them at once.
     * With glibc's defaults such buffers are mapped fresh and returned each time, so every use page-faults
     * its memory in again: a tiny U-Net training step took about 31,000 minor page faults (120 MB of
     * zero-filled pages) and those reorders ran at 9-30 ms instead of 1-1.5 ms. With
     * {@code M_MMAP_THRESHOLD} = 256 MB, {@code M_TRIM_THRESHOLD} = 1 GB and {@code M_TOP_PAD} = 64 MB
     * (the same as the environment variables {@code MALLOC_MMAP_THRESHOLD_=268435456
     * MALLOC_TRIM_THRESHOLD_=1073741824 MALLOC_TOP_PAD_=67108864}) the step takes about 1,600. The cost:
     * the process keeps freed native memory (up to the peak of one step) instead of returning it.
     * Calls {@code mallopt} through JNA (a dependency of ND4J); does nothing if either is missing.
     *
     * @return whether the settings were applied (now or by an earlier call)
     */
    public static synchronized boolean tuneMalloc() {
        if (mallocTuned) {
            return true;
        }
        if ("false".equalsIgnoreCase(System.getProperty(MALLOPT))
                || !System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            return false;
        }
        try {
            com.sun.jna.Function mallopt = com.sun.jna.NativeLibrary.getInstance("c").getFunction("mallopt");
            // glibc malloc.h: M_TRIM_THRESHOLD -1, M_TOP_PAD -2, M_MMAP_THRESHOLD -3; mallopt returns 1 on success
            boolean ok = mallopt.invokeInt(new Object[] {-3, 256 << 20}) == 1;
            ok &= mallopt.invokeInt(new Object[] {-1, 1 << 30}) == 1;
            ok &= mallopt.invokeInt(new Object[] {-2, 64 << 20}) == 1;
            mallocTuned = ok;
            return ok;
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
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
     * Puts a graph on this library's faster CPU training path (every model of this module gets it from
     * {@link Models} and {@link Checkpoints}; call it on graphs restored or built by other means):
     * <ul>
     *   <li>cache mode {@link CacheMode#DEVICE} on {@link NhwcConvolutionLayer}s: on DL4J's helper path they keep
     *       their forward output for backprop instead of computing the forward convolution a second time in every
     *       training step (DL4J's layers recompute it); on their default oneDNN 2.5 path backprop needs no forward
     *       output;</li>
     *   <li>batch-norm layers whose oneDNN helper is in use get {@code NhwcBatchNormHelper}, which runs the
     *       training passes on oneDNN 2.5's batch-normalisation primitive (or with matrix products) instead of
     *       DL4J's strided reductions (same arithmetic; see the class).</li>
     * </ul>
     * Results are unchanged (up to float rounding); only time is saved. No-op for what does not apply
     * (other backends, helpers disabled, {@code hubmap.onednn=false}); {@code -Dhubmap.accelerate=false} turns
     * it off.
     *
     * @param graph an initialised graph
     * @return the number of batch-norm layers given the faster helper
     */
    public static int accelerate(ComputationGraph graph) {
        if ("false".equalsIgnoreCase(System.getProperty(ENABLE))
                || "false".equalsIgnoreCase(System.getProperty(ACCELERATE))) {
            return 0;
        }
        graph.getConfiguration().setCacheMode(CacheMode.DEVICE);
        int n = 0;
        for (Layer l : graph.getLayers()) {
            // only this library's convolution layer uses the cached forward output safely and usefully; in DL4J's
            // other layers (upsampling, ...) the cache is an extra copy that backprop never reads
            l.setCacheMode(l instanceof NhwcConvolutionLayer.Impl ? CacheMode.DEVICE : CacheMode.NONE);
            if (l instanceof BatchNormalization bn && bn.getHelper() instanceof MKLDNNBatchNormHelper
                    && !bn.layerConf().isLockGammaBeta()) {
                try {
                    Field f = BatchNormalization.class.getDeclaredField("helper");
                    f.setAccessible(true);
                    f.set(bn, new NhwcBatchNormHelper(bn.getParam(
                            org.deeplearning4j.nn.params.BatchNormalizationParamInitializer.GAMMA).dataType()));
                    n++;
                } catch (ReflectiveOperationException | RuntimeException e) {
                    return n; // DL4J internals changed: keep its own helper
                }
            }
        }
        return n;
    }

    /**
     * One line describing the backend for logs and benchmark reports.
     *
     * @return e.g. {@code "CPU, oneDNN on, helpers enabled, malloc tuned, 2 OMP threads"}
     */
    public static String describe() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        return env.getProperty("backend") + ", oneDNN " + (oneDnnAvailable() ? "on" : "off")
                + ", helpers " + ("false".equalsIgnoreCase(System.getProperty(HELPERS_DISABLE, "true"))
                        ? "enabled" : "disabled")
                + ", malloc " + (mallocTuned ? "tuned" : "default")
                + ", " + Nd4j.getEnvironment().maxThreads() + " OMP threads";
    }
}
