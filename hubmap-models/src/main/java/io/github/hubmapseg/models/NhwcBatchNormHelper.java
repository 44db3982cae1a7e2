package io.github.hubmapseg.models;

import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Training-mode batch normalisation for NHWC float activations, a drop-in replacement for DL4J's
 * {@link MKLDNNBatchNormHelper} (installed by {@link Dl4jRuntime#accelerate}).
 *
 * <p>Why: in M2.1 the oneDNN helper computes the batch mean and variance with ND4J reductions over the
 * axes (0, 1, 2) of an NHWC array, which read the whole array once per channel with a stride of C
 * (for a 4x64x64x256 activation: mean 9 ms, variance 27 ms, against 0.6 ms for a matrix product), and its
 * {@code batchnorm_bp} op spends most of its time in the same kind of reductions (17 ms at 4x256x256x8,
 * 60 ms at 4x64x64x256). Here the activation is viewed as a matrix {@code [M = N*H*W, C]} and every
 * per-channel sum is a BLAS product with a vector of ones; the rest are element-wise and row-broadcast
 * operations into workspace memory. The arithmetic is the same (two-pass variance, biased, as DL4J's
 * helper) and the normalisation itself still runs in oneDNN's {@code batchnorm} op. Inference, non-float
 * types and non-contiguous inputs are delegated to the oneDNN helper.
 *
 * <p>Backward, with {@code xc = x - mean}, {@code s = sqrt(var + eps)}, {@code dBeta = sum(dy)},
 * {@code dGamma = sum(dy * xc) / s}: {@code dx = dy * gamma/s - xc * gamma*dGamma/(s^2 M) - gamma*dBeta/(s M)}.
 *
 * <p>Where oneDNN 2.5 is available ({@link OneDnnGroupedConv#available()}) the training forward and backward passes
 * run as its batch-normalisation primitive instead ({@link OneDnnBatchNorm}: same formulas, statistics included):
 * the BLAS products above have a single output column, which OpenBLAS computes on one thread, so with two OpenMP
 * threads they stayed serial on the calling thread; oneDNN splits the whole pass over the threads.
 * {@code -Dhubmap.batchNorm=gemm} keeps the products (read at every training forward pass).
 */
final class NhwcBatchNormHelper implements BatchNormalizationHelper {
    /** {@code -Dhubmap.batchNorm=gemm}: batch statistics by BLAS products instead of oneDNN 2.5's primitive. */
    static final String PROPERTY = "hubmap.batchNorm";

    private final MKLDNNBatchNormHelper delegate;
    private INDArray meanCache;
    private INDArray varCache;
    private INDArray ones;
    private boolean delegated;
    /** Shape of the input of the last training forward pass on the fast path (null: none, or it was delegated). */
    private long[] fastShape;
    /** The oneDNN 2.5 geometry of the last training forward pass, null when it took the BLAS products. */
    private OneDnnBatchNorm.Key oneDnnKey;

    NhwcBatchNormHelper(DataType dataType) {
        this.delegate = new MKLDNNBatchNormHelper(dataType);
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    private static boolean fast(INDArray x, CNN2DFormat format, INDArray gamma, INDArray beta) {
        return x.rank() == 4 && format == CNN2DFormat.NHWC && x.dataType() == DataType.FLOAT && x.ordering() == 'c'
                && Shape.hasDefaultStridesForShape(x) && gamma != null && beta != null;
    }

    /** A column of ones {@code [m, 1]}, outside workspaces, reused while m stays the same. */
    private INDArray ones(long m) {
        if (ones == null || ones.size(0) != m) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                ones = Nd4j.ones(DataType.FLOAT, m, 1);
            }
        }
        return ones;
    }

    /** Per-channel sums of a {@code [M, C]} matrix times {@code scale}, as a {@code [C, 1]} column. */
    private INDArray columnSums(INDArray m2d, double scale, INDArray out) {
        Nd4j.gemm(m2d, ones(m2d.size(0)), out, true, false, scale, 0.0);
        return out;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
            INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!training) {
            // inference: the oneDNN helper with the running statistics; the state of the last training forward pass
            // (what the backward pass needs) is left as it is
            return delegate.preOutput(x, false, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        delegated = !fast(x, format, gamma, beta);
        fastShape = null;
        oneDnnKey = null;
        if (delegated) {
            return delegate.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
        }
        fastShape = x.shape();
        long c = x.size(3);
        long m = x.length() / c;
        if (meanCache == null || meanCache.length() != c) {
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createUninitialized(DataType.FLOAT, c);
                varCache = Nd4j.createUninitialized(DataType.FLOAT, c);
            }
        }
        oneDnnKey = oneDnn25(x, gamma, beta, eps);
        if (oneDnnKey != null) {
            INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
            OneDnnBatchNorm.forwardTraining(oneDnnKey, x, gamma, beta, out, meanCache, varCache);
            return out;
        }
        INDArray x2 = x.reshape('c', m, c);
        INDArray col = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, DataType.FLOAT, c, 1);
        meanCache.assign(columnSums(x2, 1.0 / m, col).reshape(c));
        INDArray xc = workspaceMgr.createUninitialized(ArrayType.FF_WORKING_MEM, DataType.FLOAT, m, c);
        xc.assign(x2).subiRowVector(meanCache.reshape(1, c));
        xc.muli(xc);
        varCache.assign(columnSums(xc, 1.0 / m, col).reshape(c));

        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, x.dataType(), x.shape());
        Nd4j.exec(DynamicCustomOp.builder("batchnorm")
                .addInputs(x, meanCache, varCache, vector(gamma), vector(beta))
                .addOutputs(out)
                .addIntegerArguments(1, 1, 3)
                .addFloatingPointArguments(eps)
                .build());
        return out;
    }

    /** @return the oneDNN 2.5 geometry when that path applies (x is {@link #fast}), else null */
    private static OneDnnBatchNorm.Key oneDnn25(INDArray x, INDArray gamma, INDArray beta, double eps) {
        if ("gemm".equalsIgnoreCase(System.getProperty(PROPERTY)) || !OneDnnGroupedConv.plain(gamma)
                || !OneDnnGroupedConv.plain(beta)) {
            return null;
        }
        if (!OneDnnPresence.usable()) {
            return null;
        }
        return new OneDnnBatchNorm.Key(x.size(0), x.size(1), x.size(2), x.size(3), (float) eps);
    }

    private static INDArray vector(INDArray a) {
        return a.rank() == 1 ? a : a.reshape(a.length());
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
            INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
            LayerWorkspaceMgr workspaceMgr) {
        if (delegated) {
            return delegate.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
                    workspaceMgr);
        }
        // The forward pass took the fast path, so only this helper holds the batch statistics: never hand the
        // backward pass to the oneDNN helper here (its caches would be stale or null, see docs/dl4j-notes.md), and
        // refuse what does not belong to that forward pass instead of reading memory that may be gone.
        if (fastShape == null || !java.util.Arrays.equals(fastShape, input.shape())
                || !java.util.Arrays.equals(input.shape(), epsilon.shape()) || meanCache == null
                || meanCache.length() != input.size(3)) {
            throw new IllegalStateException("batch norm backward pass without its training forward pass: input "
                    + java.util.Arrays.toString(input.shape()) + ", gradient " + java.util.Arrays.toString(epsilon.shape())
                    + ", forward input " + java.util.Arrays.toString(fastShape));
        }
        if (!fast(input, format, gamma, beta)) {
            input = workspaceMgr.dup(ArrayType.BP_WORKING_MEM, input.castTo(DataType.FLOAT), 'c');
        }
        if (epsilon.dataType() != DataType.FLOAT) {
            epsilon = epsilon.castTo(DataType.FLOAT);
        }
        if (!Shape.hasDefaultStridesForShape(epsilon) || epsilon.ordering() != 'c') {
            epsilon = workspaceMgr.dup(ArrayType.BP_WORKING_MEM, epsilon, 'c');
        }
        long c = input.size(3);
        long m = input.length() / c;
        if (oneDnnKey != null) {
            INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(),
                    'c');
            INDArray dg = OneDnnGroupedConv.plain(dGammaView) ? dGammaView : Nd4j.createUninitialized(DataType.FLOAT, c);
            INDArray db = OneDnnGroupedConv.plain(dBetaView) ? dBetaView : Nd4j.createUninitialized(DataType.FLOAT, c);
            INDArray g = OneDnnGroupedConv.plain(gamma) ? gamma : gamma.castTo(DataType.FLOAT).dup('c');
            INDArray b = OneDnnGroupedConv.plain(beta) ? beta : beta.castTo(DataType.FLOAT).dup('c');
            OneDnnBatchNorm.backward(oneDnnKey, input, epsilon, meanCache, varCache, g, b, dx, dg, db);
            if (dg != dGammaView) {
                dGammaView.assign(dg.reshape(dGammaView.shape()));
            }
            if (db != dBetaView) {
                dBetaView.assign(db.reshape(dBetaView.shape()));
            }
            Gradient grad = new DefaultGradient();
            grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
            grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
            return new Pair<>(grad, dx);
        }
        INDArray x2 = input.reshape('c', m, c);
        INDArray dy2 = epsilon.reshape('c', m, c);

        INDArray col = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, c, 1);
        INDArray dBeta = columnSums(dy2, 1.0, col).reshape(1, c).dup();
        INDArray xc = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, m, c);
        xc.assign(x2).subiRowVector(meanCache.reshape(1, c));
        INDArray prod = workspaceMgr.createUninitialized(ArrayType.BP_WORKING_MEM, DataType.FLOAT, m, c);
        Nd4j.exec(new MulOp(dy2, xc, prod));
        INDArray sumDyXc = columnSums(prod, 1.0, col).reshape(1, c);

        INDArray g = gamma.reshape(1, c).castTo(DataType.FLOAT);
        INDArray invStd = Transforms.pow(varCache.reshape(1, c).add(eps), -0.5, false);  // 1 / s
        INDArray dGamma = sumDyXc.mul(invStd);
        INDArray a = g.mul(invStd);                                                       // gamma / s
        INDArray b = a.mul(invStd).muli(invStd).muli(sumDyXc).muli(-1.0 / m);             // -gamma*dGamma/(s^2 M)
        INDArray cc = a.mul(dBeta).muli(-1.0 / m);                                        // -gamma*dBeta/(s M)

        INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c');
        INDArray dx2 = dx.reshape('c', m, c);
        dx2.assign(dy2).muliRowVector(a);
        xc.muliRowVector(b);
        dx2.addi(xc).addiRowVector(cc);

        dGammaView.assign(dGamma.reshape(dGammaView.shape()));
        dBetaView.assign(dBeta.reshape(dBetaView.shape()));
        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dx);
    }

    /** @return whether the last training forward pass ran on oneDNN 2.5 (tests) */
    boolean onOneDnn25() {
        return oneDnnKey != null;
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return delegated ? delegate.getMeanCache(dataType) : meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return delegated ? delegate.getVarCache(dataType) : varCache;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }
}
