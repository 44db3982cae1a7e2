package io.github.hubmapseg.models.weights;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Size checks and the conversion of stored (strided, little-endian) tensors to float32 C-order arrays. */
final class Tensors {
    private Tensors() {
    }

    /**
     * @return the element count of a shape
     * @throws IOException if it overflows or exceeds what one array can hold
     */
    static long numel(String file, String name, long[] shape) throws IOException {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IOException(file + ": tensor " + name + " has a negative dimension in "
                        + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IOException(file + ": tensor " + name + " shape " + Arrays.toString(shape) + " overflows");
            }
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IOException(file + ": tensor " + name + " shape " + Arrays.toString(shape) + " has " + n
                    + " elements, more than one array can hold (" + (Integer.MAX_VALUE - 8) + ")");
        }
        return n;
    }

    /** @return the element count of a shape, -1 if it overflows or is negative somewhere; 8 bytes an element fit */
    static long elements(long[] shape) {
        long n = 1;
        try {
            for (long d : shape) {
                if (d < 0) {
                    return -1;
                }
                n = Math.multiplyExact(n, d);
            }
            Math.multiplyExact(n, 8L);
        } catch (ArithmeticException e) {
            return -1;
        }
        return n;
    }

    /** @return C-order strides of a shape */
    static long[] contiguous(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /**
     * Checks that a strided view lies inside its storage.
     *
     * @param storageNumel the storage's element count
     * @throws IOException naming the tensor, its extent and the storage size
     */
    static void checkView(String file, String name, long[] shape, long[] stride, long offset, long storageNumel)
            throws IOException {
        long n = numel(file, name, shape);
        if (offset < 0) {
            throw new IOException(file + ": tensor " + name + " has a negative storage offset " + offset);
        }
        if (n == 0) {
            return;
        }
        long last = offset;
        for (int i = 0; i < shape.length; i++) {
            if (stride[i] < 0) {
                throw new IOException(file + ": tensor " + name + " has a negative stride " + Arrays.toString(stride));
            }
            try {
                last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
            } catch (ArithmeticException e) {
                throw new IOException(file + ": tensor " + name + " stride " + Arrays.toString(stride) + " overflows");
            }
        }
        if (last >= storageNumel) {
            throw new IOException(file + ": tensor " + name + " " + Arrays.toString(shape) + " (offset " + offset
                    + ", stride " + Arrays.toString(stride) + ") needs " + (last + 1)
                    + " elements of its storage, which has only " + storageNumel);
        }
    }

    /**
     * Checks that tensors of the given element counts fit in the native memory ND4J may use.
     *
     * @param elements total elements to be created as float32
     * @throws IOException if they do not
     */
    static void checkMemory(String file, long elements) throws IOException {
        long bytes = elements * 4;
        long max = org.bytedeco.javacpp.Pointer.maxBytes();
        long free = max - org.bytedeco.javacpp.Pointer.totalBytes();
        if (max > 0 && bytes > free) {
            throw new IOException(file + ": its tensors need " + bytes + " bytes as float32, but only " + free
                    + " bytes of native memory are free (raise -Dorg.bytedeco.javacpp.maxbytes)");
        }
    }

    /**
     * A stored tensor as a float32 C-order array; the view must have been checked with {@link #checkView}.
     *
     * @param data little-endian storage bytes, element 0 at index 0
     */
    static INDArray toFloat(DType dtype, long[] shape, long[] stride, long offset, ByteBuffer data) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        float[] v = new float[n];
        if (n > 0) {
            if (Arrays.equals(stride, contiguous(shape)) || n == 1) {
                if (dtype == DType.F32) {
                    ByteBuffer b = data.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    b.position(Math.toIntExact(offset * 4));
                    b.asFloatBuffer().get(v, 0, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        v[i] = dtype.get(data, offset + i);
                    }
                }
            } else {
                int rank = shape.length;
                long[] idx = new long[rank];
                for (int i = 0; i < n; i++) {
                    long at = offset;
                    for (int d = 0; d < rank; d++) {
                        at += idx[d] * stride[d];
                    }
                    v[i] = dtype.get(data, at);
                    for (int d = rank - 1; d >= 0; d--) {
                        if (++idx[d] < shape[d]) {
                            break;
                        }
                        idx[d] = 0;
                    }
                }
            }
        }
        return shape.length == 0 ? Nd4j.scalar(v[0]) : Nd4j.create(v, shape, 'c');
    }

    /** Checks the total element count of the selected tensors against the free native memory. */
    static void checkMemory(String file, Map<String, long[]> shapes) throws IOException {
        long total = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            total += numel(file, e.getKey(), e.getValue());
        }
        checkMemory(file, total);
    }
}
