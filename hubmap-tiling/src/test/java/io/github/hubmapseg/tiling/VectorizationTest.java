package io.github.hubmapseg.tiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VectorizationTest {

    @Test
    void testJvmsRunWithTheVectorApiAsTheLauncherDoes() {
        // the surefire argLine carries --add-modules=jdk.incubator.vector (root pom, simd.jvm.args)
        assertThat(ModuleLayer.boot().findModule(Vectorization.MODULE)).isPresent();
        assertThat(Vectorization.enabled()).isTrue();
        assertThat(Vectorization.describe()).startsWith("Vector API, ").contains("-bit");
    }

    @Test
    void offOrAMissingModuleMeansScalarAndABadValueIsNamed() {
        assertThat(Vectorization.detect("off", true).bits()).isZero();
        assertThat(Vectorization.detect("OFF", true).reason()).contains("off");
        Vectorization.State missing = Vectorization.detect("auto", false);
        assertThat(missing.bits()).isZero();
        assertThat(missing.reason()).contains("--add-modules=jdk.incubator.vector");
        assertThat(Vectorization.detect(null, true).bits()).isGreaterThanOrEqualTo(128);
        assertThat(Vectorization.detect("fast", true).error()).contains("auto or off").contains("'fast'");
    }

    @Test
    void kernelPicksTheVectorClassOrTheScalarSupplier() {
        Object v = Vectorization.kernel(java.util.function.Supplier.class, "io.github.hubmapseg.tiling.VectorProbe",
                () -> () -> 0);
        assertThat(v).isInstanceOf(VectorProbe.class);
        assertThatThrownBy(() -> Vectorization.vector(Runnable.class, "io.github.hubmapseg.tiling.NoSuchKernel"))
                .hasMessageContaining("NoSuchKernel");
    }
}
