package org.nd4j.nativeblas;

/**
 * Compatibility shim for Deeplearning4j 1.0.0-M2.1: its {@code BaseMKLDNNHelper} looks up the class
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} by reflection to decide whether oneDNN ("MKL-DNN")
 * layer helpers may be used, but that class moved to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment}; without this shim the lookup fails
 * and every convolution, batch-norm and pooling layer falls back to Java im2col + OpenBLAS.
 * Not part of the hubmap-seg API; see {@link io.github.hubmapseg.models.Dl4jRuntime}.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {
    }

    /** The old-name environment whose only job is answering {@link #isUseMKLDNN()}. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        /**
         * The singleton, as the reflective caller expects.
         *
         * @return the shared instance
         */
        public static Environment getInstance() {
            return INSTANCE;
        }

        /**
         * Whether the loaded native library uses oneDNN; delegates to the moved class.
         *
         * @return {@code true} when libnd4j was built with oneDNN and it is switched on
         */
        public boolean isUseMKLDNN() {
            return io.github.hubmapseg.models.Dl4jRuntime.oneDnnAvailable();
        }
    }
}
