package io.github.hubmapseg.models;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Grouped 2-D convolutions (PyTorch {@code Conv2d(groups=G)}) on oneDNN 2.5 through its JavaCPP preset
 * ({@code org.bytedeco:dnnl}): forward, backward data and backward weights of an NHWC float32 convolution whose
 * weight is PyTorch's {@code [out, in/G, kh, kw]} (oneDNN's {@code goihw}). libnd4j's bundled oneDNN has no
 * grouped convolution op and does not export its symbols, hence the second copy. Dense convolutions are the case
 * G = 1 (DL4J's {@code [out, in, kh, kw]} weight): {@link NhwcConvolutionLayer} trains through it too, because
 * libnd4j's oneDNN 2.3 reorders narrow activations into blocked layouts around every backward pass.
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
    private static final Map<InferenceKey, InferencePrims> INFERENCE = new ConcurrentHashMap<>();

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
                        String backend = Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend");
                        if (!"CPU".equalsIgnoreCase(backend)) { // CUDA arrays are not host memory
                            throw new IllegalStateException("ND4J backend " + backend + ", not CPU");
                        }
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

    /** @return the CPU engine ({@link #available()} must have returned true) */
    static engine engine() {
        return eng;
    }

    /** @return the stream every primitive of this module runs on ({@link #available()} must have returned true) */
    static stream stream() {
        return strm;
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
    static memory wrap(memory.desc md, INDArray a) {
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
     * @return whether oneDNN can read or write it in place (float32, c-order contiguous)
     */
    static boolean plain(INDArray a) {
        if (a.dataType() != DataType.FLOAT) {
            return false;
        }
        // c-order contiguous; the stride of a dimension of size 1 does not matter (parameter views [1, n] of a
        // graph's flat parameters have the stride of the whole row there)
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
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

    /** The array itself when oneDNN can use it in place ({@link #plain}), else a c-order copy in {@code type}. */
    private static INDArray plain(INDArray a, ArrayType type, LayerWorkspaceMgr mgr) {
        return a == null || plain(a) ? a : mgr.dup(type, a.castTo(DataType.FLOAT), 'c');
    }

    /**
     * A training layer's forward pass: {@code conv(x, w) + b} into a new activations array; strided or non-float
     * inputs are copied first.
     *
     * @param k geometry
     * @param x {@code [n, h, w, cin]}
     * @param w {@code [cout, cin/G, k, k]}
     * @param b {@code cout} values or null
     * @param mgr the layer's workspaces
     * @return {@code [n, ho, wo, cout]}
     */
    static INDArray trainForward(Key k, INDArray x, INDArray w, INDArray b, LayerWorkspaceMgr mgr) {
        INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {k.n(), k.ho(), k.wo(), k.cout()}, 'c');
        forward(k, plain(x, ArrayType.ACTIVATIONS, mgr), plain(w, ArrayType.ACTIVATIONS, mgr),
                plain(b, ArrayType.ACTIVATIONS, mgr), out);
        return out;
    }

    /**
     * A training layer's backward pass: writes {@code dL/dw} into {@code dw} and {@code dL/db} into {@code db}
     * (the layer's gradient views) and returns {@code dL/dx}.
     *
     * @param k geometry
     * @param x the forward input {@code [n, h, w, cin]}
     * @param w {@code [cout, cin/G, k, k]}
     * @param dy {@code dL/dy}, {@code [n, ho, wo, cout]}
     * @param dw {@code [cout, cin/G, k, k]}, overwritten
     * @param db {@code cout} values, overwritten, or null
     * @param mgr the layer's workspaces
     * @return {@code dL/dx}, {@code [n, h, w, cin]} in the activation-gradient workspace
     */
    static INDArray trainBackward(Key k, INDArray x, INDArray w, INDArray dy, INDArray dw, INDArray db,
            LayerWorkspaceMgr mgr) {
        INDArray dx = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[] {k.n(), k.h(), k.w(), k.cin()}, 'c');
        INDArray px = plain(x, ArrayType.ACTIVATION_GRAD, mgr);
        INDArray pdy = plain(dy, ArrayType.ACTIVATION_GRAD, mgr);
        backwardData(k, pdy, plain(w, ArrayType.ACTIVATION_GRAD, mgr), dx);
        // the gradient views are written in place; a view oneDNN cannot write (never seen) goes through a copy
        INDArray pdw = plain(dw) ? dw : Nd4j.createUninitialized(DataType.FLOAT, dw.shape(), 'c');
        INDArray pdb = db == null || plain(db) ? db : Nd4j.createUninitialized(DataType.FLOAT, db.shape(), 'c');
        backwardWeights(k, px, pdy, pdw, pdb);
        if (pdw != dw) {
            dw.assign(pdw);
        }
        if (pdb != db) {
            db.assign(pdb);
        }
        return dx;
    }

    /**
     * An inference convolution: geometry (always with a bias), the fused post-ops, and whether it runs as a Winograd
     * convolution (see {@link #winograd(Key)}; part of the key so that {@code -Dhubmap.winograd} takes effect at once).
     */
    record InferenceKey(Key key, boolean sum, boolean relu, boolean winograd) {
        InferenceKey(Key key, boolean sum, boolean relu) {
            this(key, sum, relu, OneDnnGroupedConv.winograd(key));
        }
    }

    /** Set {@code -Dhubmap.winograd=false} to run every inference convolution as a direct convolution. */
    static final String WINOGRAD = "hubmap.winograd";

    /**
     * Whether an inference convolution runs as a Winograd convolution: 3x3, stride 1, dense, at least 64 input
     * channels (measured 1.6-4.5x faster than the direct NHWC convolution from 128 input channels, 1.1x at 32).
     */
    static boolean winograd(Key k) {
        return k.k() == 3 && k.stride() == 1 && k.groups() == 1 && k.cin() >= 64
                && !"false".equalsIgnoreCase(System.getProperty(WINOGRAD));
    }

    /** The cached forward-inference primitive of one {@link InferenceKey}. */
    private static final class InferencePrims {
        final memory.desc src;
        final memory.desc dst;
        final memory.desc userW;
        final memory.desc bias;
        final memory.desc fwdW;
        final memory.desc fwdSrc;
        final memory.desc fwdDst;
        final boolean winograd;
        final primitive fwd;

        InferencePrims(InferenceKey ik) {
            Key k = ik.key();
            long g = k.groups();
            long[] srcDims = {k.n(), k.cin(), k.h(), k.w()};
            long[] dstDims = {k.n(), k.cout(), k.ho(), k.wo()};
            src = new memory.desc(srcDims, memory.data_type.f32, memory.format_tag.nhwc);
            dst = new memory.desc(dstDims, memory.data_type.f32, memory.format_tag.nhwc);
            long[] wDims = {g, k.cout() / g, k.cin() / g, k.k(), k.k()};
            userW = new memory.desc(wDims, memory.data_type.f32, memory.format_tag.goihw);
            memory.desc anyW = new memory.desc(wDims, memory.data_type.f32, memory.format_tag.any);
            bias = new memory.desc(new long[] {k.cout()}, memory.data_type.f32, memory.format_tag.x);
            long[] strides = {k.stride(), k.stride()};
            long[] pad = {k.pad(), k.pad()};
            post_ops ops = new post_ops();
            if (ik.sum()) {
                ops.append_sum(); // scale 1
            }
            if (ik.relu()) {
                ops.append_eltwise(1.0f, dnnl.algorithm.eltwise_relu, 0f, 0f);
            }
            primitive_attr attr = new primitive_attr();
            attr.set_post_ops(ops);
            convolution_forward.primitive_desc pd = null;
            if (ik.winograd()) {
                // oneDNN's Winograd kernels work on blocked activations: src and dst are reordered around the call
                try {
                    pd = new convolution_forward.primitive_desc(new convolution_forward.desc(
                            dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_winograd,
                            new memory.desc(srcDims, memory.data_type.f32, memory.format_tag.any), anyW, bias,
                            new memory.desc(dstDims, memory.data_type.f32, memory.format_tag.any), strides, pad, pad),
                            attr, eng);
                } catch (RuntimeException e) { // no Winograd implementation for this geometry or CPU
                    pd = null;
                }
            }
            winograd = pd != null;
            if (pd == null) {
                pd = new convolution_forward.primitive_desc(new convolution_forward.desc(
                        dnnl.prop_kind.forward_inference, dnnl.algorithm.convolution_direct, src, anyW, bias, dst,
                        strides, pad, pad), attr, eng);
            }
            fwd = new convolution_forward(pd);
            fwdW = pd.weights_desc();
            fwdSrc = pd.src_desc();
            fwdDst = pd.dst_desc();
        }
    }

    private static InferencePrims inferencePrims(InferenceKey ik) {
        InferencePrims p = INFERENCE.get(ik);
        if (p == null) {
            // outside any PointerScope of the caller: the cached primitives live as long as the JVM
            synchronized (CACHE) {
                p = INFERENCE.computeIfAbsent(ik, InferencePrims::new);
            }
        }
        return p;
    }

    /**
     * Weights in the layout one inference primitive wants (for Winograd: transformed), in memory of their own:
     * preparing them costs a pass over the weights (a Winograd transform several), so callers keep them while the
     * weights stay the same. Close to free the memory.
     */
    static final class PreparedWeights implements AutoCloseable {
        private final InferenceKey key;
        private final memory mem;

        private PreparedWeights(InferenceKey key, memory mem) {
            this.key = key;
            this.mem = mem;
        }

        @Override
        public void close() {
            mem.close();
        }
    }

    /**
     * @param ik the inference convolution
     * @param w {@code [cout, cin/G, k, k]} weights (c-order float32)
     * @return the weights in the primitive's layout
     */
    static PreparedWeights prepare(InferenceKey ik, INDArray w) {
        InferencePrims p = inferencePrims(ik);
        memory m = new memory(p.fwdW, eng);
        synchronized (p) {
            try (PointerScope scope = new PointerScope()) {
                memory user = wrap(p.userW, w);
                new reorder(user, m).execute(strm, user, m);
                strm._wait();
            }
        }
        return new PreparedWeights(ik, m);
    }

    /**
     * Inference convolution with fused post-ops: {@code out = relu?(conv(x, w) + b + (sum ? out : 0))}. Used by
     * {@link FusedConvVertex} (batch norm folded into {@code w} and {@code b} by the caller).
     *
     * @param ik geometry (its bias flag is ignored: a bias is always given) and post-ops: {@code sum} means that
     *     {@code out} holds a residual to add before the ReLU
     * @param x {@code [n, h, w, cin]}
     * @param w the weights, prepared for {@code ik}
     * @param b {@code cout} values
     * @param out {@code [n, ho, wo, cout]}: the residual on entry when {@code sum}, the result on return
     */
    static void inference(InferenceKey ik, INDArray x, PreparedWeights w, INDArray b, INDArray out) {
        if (!w.key.equals(ik)) {
            throw new IllegalArgumentException("weights prepared for " + w.key + ", not " + ik);
        }
        InferencePrims p = inferencePrims(ik);
        synchronized (p) {
            try (PointerScope scope = new PointerScope(); IntMemoryMap args = new IntMemoryMap()) {
                memory xm = wrap(p.src, x);
                memory om = wrap(p.dst, out);
                memory xi = xm;
                memory oi = om;
                if (!p.fwdSrc.equals(p.src)) {
                    xi = new memory(p.fwdSrc, eng);
                    new reorder(xm, xi).execute(strm, xm, xi);
                }
                if (!p.fwdDst.equals(p.dst)) {
                    oi = new memory(p.fwdDst, eng);
                    if (ik.sum()) {
                        new reorder(om, oi).execute(strm, om, oi);
                    }
                }
                args.put(dnnl.DNNL_ARG_SRC, xi);
                args.put(dnnl.DNNL_ARG_WEIGHTS, w.mem);
                args.put(dnnl.DNNL_ARG_BIAS, wrap(p.bias, b));
                args.put(dnnl.DNNL_ARG_DST, oi);
                p.fwd.execute(strm, args);
                if (oi != om) {
                    new reorder(oi, om).execute(strm, oi, om);
                }
                strm._wait();
            }
        }
    }

    /**
     * @param a an array
     * @param b another
     * @return whether both are plain ({@link #plain}) and hold the same bytes
     */
    static boolean sameBits(INDArray a, INDArray b) {
        if (!plain(a) || !plain(b) || a.length() != b.length()) {
            return false;
        }
        Pointer pa = a.data().addressPointer();
        Pointer pb = b.data().addressPointer();
        return Pointer.memcmp(pa, pb, a.length() * 4L) == 0;
    }
}
