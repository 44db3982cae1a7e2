package io.github.hubmapseg.tiling;

import java.util.function.Supplier;
import jdk.incubator.vector.FloatVector;

/** Loaded by {@link Vectorization} only when {@code jdk.incubator.vector} is present: the preferred float vector bits. */
final class VectorProbe implements Supplier<Integer> {

    public VectorProbe() {
    }

    @Override
    public Integer get() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize();
    }
}
