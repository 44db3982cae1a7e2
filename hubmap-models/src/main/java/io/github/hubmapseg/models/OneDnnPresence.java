package io.github.hubmapseg.models;

/**
 * Whether the oneDNN 2.5 paths ({@link OneDnnGroupedConv}, {@link OneDnnBatchNorm}) can run in this JVM, asked from
 * a class that does not itself link against the {@code org.bytedeco:dnnl} preset: where the preset's Java classes
 * are missing, loading {@link OneDnnGroupedConv} fails with a {@link LinkageError} before its
 * {@link OneDnnGroupedConv#available()} can answer, so that error means "no" here.
 */
final class OneDnnPresence {

    private OneDnnPresence() {
    }

    /** @return {@link OneDnnGroupedConv#available()}, or false when its class cannot be linked */
    static boolean usable() {
        try {
            return OneDnnGroupedConv.available();
        } catch (LinkageError e) { // the preset's Java classes are missing
            return false;
        }
    }
}
