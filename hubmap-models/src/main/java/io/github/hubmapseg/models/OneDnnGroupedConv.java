package io.github.hubmapseg.models;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Grouped 2-D convolutions (PyTorch {@code Conv2d(groups=G)}) on oneDNN 2.5 through its JavaCPP preset
 * ({@code org.bytedeco:dnnl}): forward, backward data and backward weights of an NHWC float32 convolution whose
 * weight is PyTorch's {@code [out, in/G, kh, kw]} (oneDNN's {@code goihw}). libnd4j's bundled oneDNN has no
 * grouped convolution op and does not export its symbols, hence the second copy.
 *
 * <p>Primitives are created once per shape and cached (creation costs milliseconds); activations are handed
 * to oneDNN in place (NHWC, no reorders); the weights are reordered to the layout oneDNN picks for each
 * primitive (they are small). A primitive runs under its own lock (oneDNN's default build does not allow one
 * primitive to run concurrently). {@link #available()} is false where the preset cannot load (other OS, CUDA-only
 * installs); {@link GroupedConvolutionLayer} then falls back to a dense convolution with a block-diagonal weight.
 */
final class OneDnnGroupedConv {
    /** Set {@code -Dhubmap.groupedConv=dense} to force the dense fallback (comparisons, tests). */
    static final String PROPERTY = "hubmap.groupedConv";

    private static final Object INIT = new Object();
    private static volatile Boolean available;
    private static String unavailableReason = "";
    private static engine eng;
    private static stream strm;
    private static final Map<Key, Prims> CACHE = new ConcurrentHashMap<>();

    private OneDnnGroupedConv() {
    }

    /** The geometry of one convolution. */
    record Key(long n, long h, long w, long cin, long cout, int groups, int k, int stride, int pad, boolean bias) {
        long ho() {
            return (h + 2L * pad - k) / stride + 1;
        }

        long wo() {
            return (w + 2L * pad - k) / stride + 1;
        }
    }

    /** @return whether the oneDNN path can be used in this JVM (loads the preset on first call) */
    static boolean available() {
        Boolean a = available;
        if (a != null) {
            return a;
        }
        synchronized (INIT) {
            if (available == null) {
                if ("dense".equalsIgnoreCase(System.getProperty(PROPERTY))) {
                    unavailableReason = "-D" + PROPERTY + "=dense";
                    available = false;
                } else {
                    try {
                        Loader.load(dnnl.class);
                        eng = new engine(engine.kind.cpu, 0);
                        strm = new stream(eng);
                        available = true;
                    } catch (Throwable t) { // UnsatisfiedLinkError, NoClassDefFoundError, ...
                        unavailableReason = t.toString();
                        available = false;
                    }
                }
            }
            return available;
        }
    }

    /** @return why {@link #available()} is false, or "" */
    static String unavailableReason() {
        return unavailableReason;
    }

    /** The cached primitives of one geometry. */
    private static final class Prims {
        final memory.desc src;
        final memory.desc dst;
        final memory.desc userW;
        final memory.desc bias;
        final convolution_forward.primitive_desc fwdPd;
        final primitive fwd;
        final primitive bwdData;
        final memory.desc bwdDataW;
        final primitive bwdWeights;
        final memory.desc bwdWeightsW;
        final memory.desc fwdW;

        Prims(Key k) {
            long g = k.groups();
            src = new memory.desc(new long[] {k.n(), k.cin(), k.h(), k.w()}, memory.data_type.f32,
                    memory.format_tag.nhwc);
            dst = new memory.desc(new long[] {k.n(), k.cout(), k.ho(), k.wo()}, memory.data_type.f32,
                    memory.format_tag.nhwc);
            long[] wDims = {g, k.cout() / g, k.cin() / g, k.k(), k.k()};
            userW = new memory.desc(wDims, memory.data_type.f32, memory.format_tag.goihw);
            memory.desc anyW = new memory.desc(wDims, memory.data_type.f32, memory.format_tag.any);
            bias = k.bias() ? new memory.desc(new long[] {k.cout()}, memory.data_type.f32, memory.format_tag.x)
                    : new memory.desc();
            long[] strides = {k.stride(), k.stride()};
            long[] pad = {k.pad(), k.pad()};
            fwdPd = new convolution_forward.primitive_desc(new convolution_forward.desc(
                    dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct, src, anyW, bias, dst, strides,
                    pad, pad), eng);
            fwd = new convolution_forward(fwdPd);
            fwdW = fwdPd.weights_desc();
            convolution_backward_data.primitive_desc bdPd = new convolution_backward_data.primitive_desc(
                    new convolution_backward_data.desc(dnnl.algorithm.convolution_direct, src, anyW, dst, strides, pad,
                            pad), eng, fwdPd);
            bwdData = new convolution_backward_data(bdPd);
            bwdDataW = bdPd.weights_desc();
            convolution_backward_weights.primitive_desc bwPd = new convolution_backward_weights.primitive_desc(
                    new convolution_backward_weights.desc(dnnl.algorithm.convolution_direct, src, anyW, bias, dst,
                            strides, pad, pad), eng, fwdPd);
            bwdWeights = new convolution_backward_weights(bwPd);
            bwdWeightsW = bwPd.diff_weights_desc();
        }
    }

    private static Prims prims(Key k) {
        Prims p = CACHE.get(k);
        if (p == null) {
            // outside any PointerScope of the caller: the cached primitives live as long as the JVM
            synchronized (CACHE) {
                p = CACHE.computeIfAbsent(k, Prims::new);
            }
        }
        return p;
    }

    /** A oneDNN memory over an INDArray's buffer (c-order, contiguous, float32: checked by the caller). */
    private static memory wrap(memory.desc md, INDArray a) {
        // ND4J's addressPointer() already points at the view's first element (a.offset() is data().offset())
        Pointer base = a.data().addressPointer();
        long addr = base.address() + base.position() * base.sizeof();
        return new memory(md, eng, new Pointer() {
            {
                address = addr;
            }
        });
    }

    /** The weights in the layout {@code target}: the user memory itself, or a reordered copy. */
    private static memory weightsAs(memory user, memory.desc target) {
        if (user.get_desc().equals(target)) {
            return user;
        }
        memory m = new memory(target, eng);
        new reorder(user, m).execute(strm, user, m);
        return m;
    }

    /**
     * @param a an array
     * @return whether oneDNN can read or write it in place (float32, c-order, default strides)
     */
    static boolean plain(INDArray a) {
        return a.dataType() == DataType.FLOAT && a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
    }

    /**
     * {@code out = conv(x, w) + b}.
     *
     * @param k geometry
     * @param x {@code [n, h, w, cin]}
     * @param w {@code [cout, cin/G, k, k]}
     * @param b {@code cout} values or null
     * @param out {@code [n, ho, wo, cout]}
     */
    static void forward(Key k, INDArray x, INDArray w, INDArray b, INDArray out) {
        Prims p = prims(k);
        synchronized (p) {
            try (PointerScope scope = new PointerScope(); IntMemoryMap args = new IntMemoryMap()) {
                memory wm = weightsAs(wrap(p.userW, w), p.fwdW);
                args.put(dnnl.DNNL_ARG_SRC, wrap(p.src, x));
                args.put(dnnl.DNNL_ARG_WEIGHTS, wm);
                if (b != null) {
                    args.put(dnnl.DNNL_ARG_BIAS, wrap(p.bias, b));
                }
                args.put(dnnl.DNNL_ARG_DST, wrap(p.dst, out));
                p.fwd.execute(strm, args);
                strm._wait();
            }
        }
    }

    /**
     * {@code dx = conv_backward_data(dy, w)}.
     *
     * @param k geometry
     * @param dy {@code [n, ho, wo, cout]}
     * @param w {@code [cout, cin/G, k, k]}
     * @param dx {@code [n, h, w, cin]} (overwritten)
     */
    static void backwardData(Key k, INDArray dy, INDArray w, INDArray dx) {
        Prims p = prims(k);
        synchronized (p) {
            try (PointerScope scope = new PointerScope(); IntMemoryMap args = new IntMemoryMap()) {
                memory wm = weightsAs(wrap(p.userW, w), p.bwdDataW);
                args.put(dnnl.DNNL_ARG_DIFF_DST, wrap(p.dst, dy));
                args.put(dnnl.DNNL_ARG_WEIGHTS, wm);
                args.put(dnnl.DNNL_ARG_DIFF_SRC, wrap(p.src, dx));
                p.bwdData.execute(strm, args);
                strm._wait();
            }
        }
    }

    /**
     * {@code dw = conv_backward_weights(x, dy)}, {@code db = sum(dy)}.
     *
     * @param k geometry
     * @param x {@code [n, h, w, cin]}
     * @param dy {@code [n, ho, wo, cout]}
     * @param dw {@code [cout, cin/G, k, k]} (overwritten)
     * @param db {@code cout} values (overwritten) or null
     */
    static void backwardWeights(Key k, INDArray x, INDArray dy, INDArray dw, INDArray db) {
        Prims p = prims(k);
        synchronized (p) {
            try (PointerScope scope = new PointerScope(); IntMemoryMap args = new IntMemoryMap()) {
                memory user = wrap(p.userW, dw);
                boolean same = user.get_desc().equals(p.bwdWeightsW);
                memory wm = same ? user : new memory(p.bwdWeightsW, eng);
                args.put(dnnl.DNNL_ARG_SRC, wrap(p.src, x));
                args.put(dnnl.DNNL_ARG_DIFF_DST, wrap(p.dst, dy));
                args.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, wm);
                if (db != null) {
                    args.put(dnnl.DNNL_ARG_DIFF_BIAS, wrap(p.bias, db));
                }
                p.bwdWeights.execute(strm, args);
                if (!same) {
                    new reorder(wm, user).execute(strm, wm, user);
                }
                strm._wait();
            }
        }
    }
}
