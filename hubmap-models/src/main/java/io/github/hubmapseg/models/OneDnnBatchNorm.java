package io.github.hubmapseg.models;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.javacpp.PointerScope;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training-mode batch normalisation of NHWC float32 activations on oneDNN 2.5 ({@link OneDnnGroupedConv}'s engine
 * and stream): the forward pass computes the batch mean and (biased) variance per channel and normalises, the
 * backward pass gives {@code dL/dx}, {@code dL/dgamma} and {@code dL/dbeta}; oneDNN splits both over the OpenMP
 * threads, where libnd4j computes the statistics with a single-column product that runs on one thread (see
 * {@link NhwcBatchNormHelper}). Arrays are handed over in place; callers check {@link OneDnnGroupedConv#plain}.
 * Primitives are cached per geometry and run under their own lock.
 */
final class OneDnnBatchNorm {
    private static final Map<Key, Prims> CACHE = new ConcurrentHashMap<>();

    private OneDnnBatchNorm() {
    }

    /** The geometry: NHWC sizes and epsilon. */
    record Key(long n, long h, long w, long c, float eps) {
    }

    private static final class Prims {
        final memory.desc data;
        final memory.desc channels;
        final primitive fwd;
        final primitive bwd;

        Prims(Key k) {
            data = new memory.desc(new long[] {k.n(), k.c(), k.h(), k.w()}, memory.data_type.f32,
                    memory.format_tag.nhwc);
            channels = new memory.desc(new long[] {k.c()}, memory.data_type.f32, memory.format_tag.x);
            int flags = dnnl.normalization_flags.use_scale.value | dnnl.normalization_flags.use_shift.value;
            batch_normalization_forward.desc fd = new batch_normalization_forward.desc(
                    dnnl.prop_kind.forward_training.value, data, k.eps(), flags);
            batch_normalization_forward.primitive_desc fwdPd = new batch_normalization_forward.primitive_desc(fd,
                    OneDnnGroupedConv.engine());
            if (!preferred(fwdPd)) {
                fwdPd = new batch_normalization_forward.primitive_desc(fd, OneDnnGroupedConv.engine());
            }
            fwd = new batch_normalization_forward(fwdPd);
            batch_normalization_backward.desc bd = new batch_normalization_backward.desc(dnnl.prop_kind.backward.value,
                    data, data, k.eps(), flags);
            batch_normalization_backward.primitive_desc bwdPd = new batch_normalization_backward.primitive_desc(bd,
                    OneDnnGroupedConv.engine(), fwdPd);
            if (!preferred(bwdPd)) {
                bwdPd = new batch_normalization_backward.primitive_desc(bd, OneDnnGroupedConv.engine(), fwdPd);
            }
            bwd = new batch_normalization_backward(bwdPd);
        }

        /**
         * Moves {@code pd} to oneDNN's {@code bnorm_tbb_jit} implementation if it has one. Why: for NHWC activations
         * whose channels are a multiple of 16, oneDNN 2.5 picks {@code bnorm_jit:avx512_common} first, which took
         * 3-5x the CPU time of the BLAS-product path at 4 x 64 x 64 x 16 (forward + backward, 2 threads), while the
         * {@code bnorm_tbb_jit} kernels it picks for other channel counts took a third of it (see docs/dl4j-notes.md).
         *
         * @return false when there is none: {@code pd} is then past its last implementation and must be recreated
         */
        private static boolean preferred(org.bytedeco.dnnl.primitive_desc pd) {
            do {
                if (pd.impl_info_str().getString().contains("tbb")) {
                    return true;
                }
            } while (pd.next_impl());
            return false;
        }
    }

    private static Prims prims(Key k) {
        Prims p = CACHE.get(k);
        if (p == null) {
            synchronized (CACHE) { // outside any PointerScope of the caller: cached for the JVM's lifetime
                p = CACHE.computeIfAbsent(k, Prims::new);
            }
        }
        return p;
    }

    /**
     * {@code y = gamma * (x - mean) / sqrt(var + eps) + beta} with the batch statistics, which are returned too.
     *
     * @param k geometry
     * @param x {@code [n, h, w, c]}
     * @param gamma {@code c} values
     * @param beta {@code c} values
     * @param y {@code [n, h, w, c]}, overwritten
     * @param mean {@code c} values, overwritten with the batch mean
     * @param var {@code c} values, overwritten with the biased batch variance
     */
    static void forwardTraining(Key k, INDArray x, INDArray gamma, INDArray beta, INDArray y, INDArray mean,
            INDArray var) {
        Prims p = prims(k);
        synchronized (p) {
            try (PointerScope scope = new PointerScope(); IntMemoryMap args = new IntMemoryMap()) {
                args.put(dnnl.DNNL_ARG_SRC, OneDnnGroupedConv.wrap(p.data, x));
                args.put(dnnl.DNNL_ARG_SCALE, OneDnnGroupedConv.wrap(p.channels, gamma));
                args.put(dnnl.DNNL_ARG_SHIFT, OneDnnGroupedConv.wrap(p.channels, beta));
                args.put(dnnl.DNNL_ARG_DST, OneDnnGroupedConv.wrap(p.data, y));
                args.put(dnnl.DNNL_ARG_MEAN, OneDnnGroupedConv.wrap(p.channels, mean));
                args.put(dnnl.DNNL_ARG_VARIANCE, OneDnnGroupedConv.wrap(p.channels, var));
                p.fwd.execute(OneDnnGroupedConv.stream(), args);
                OneDnnGroupedConv.stream()._wait();
            }
        }
    }

    /**
     * The backward pass of {@link #forwardTraining} given its input and statistics.
     *
     * @param k geometry
     * @param x the forward input {@code [n, h, w, c]}
     * @param dy {@code dL/dy}
     * @param mean the forward pass's batch mean
     * @param var the forward pass's batch variance
     * @param gamma {@code c} values
     * @param beta {@code c} values (oneDNN wants the shift among the arguments; it does not enter the gradients)
     * @param dx {@code dL/dx}, overwritten
     * @param dGamma {@code c} values, overwritten
     * @param dBeta {@code c} values, overwritten
     */
    static void backward(Key k, INDArray x, INDArray dy, INDArray mean, INDArray var, INDArray gamma, INDArray beta,
            INDArray dx, INDArray dGamma, INDArray dBeta) {
        Prims p = prims(k);
        synchronized (p) {
            try (PointerScope scope = new PointerScope(); IntMemoryMap args = new IntMemoryMap()) {
                args.put(dnnl.DNNL_ARG_SRC, OneDnnGroupedConv.wrap(p.data, x));
                args.put(dnnl.DNNL_ARG_DIFF_DST, OneDnnGroupedConv.wrap(p.data, dy));
                args.put(dnnl.DNNL_ARG_MEAN, OneDnnGroupedConv.wrap(p.channels, mean));
                args.put(dnnl.DNNL_ARG_VARIANCE, OneDnnGroupedConv.wrap(p.channels, var));
                args.put(dnnl.DNNL_ARG_SCALE, OneDnnGroupedConv.wrap(p.channels, gamma));
                args.put(dnnl.DNNL_ARG_SHIFT, OneDnnGroupedConv.wrap(p.channels, beta));
                args.put(dnnl.DNNL_ARG_DIFF_SRC, OneDnnGroupedConv.wrap(p.data, dx));
                args.put(dnnl.DNNL_ARG_DIFF_SCALE, OneDnnGroupedConv.wrap(p.channels, dGamma));
                args.put(dnnl.DNNL_ARG_DIFF_SHIFT, OneDnnGroupedConv.wrap(p.channels, dBeta));
                p.bwd.execute(OneDnnGroupedConv.stream(), args);
                OneDnnGroupedConv.stream()._wait();
            }
        }
    }
}
