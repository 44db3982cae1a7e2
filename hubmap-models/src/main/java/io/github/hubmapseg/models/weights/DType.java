package io.github.hubmapseg.models.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The element types of stored tensors, with their {@code .safetensors} name and PyTorch storage class. */
public enum DType {
    F64(8, "F64", "DoubleStorage"),
    F32(4, "F32", "FloatStorage"),
    F16(2, "F16", "HalfStorage"),
    BF16(2, "BF16", "BFloat16Storage"),
    I64(8, "I64", "LongStorage"),
    I32(4, "I32", "IntStorage"),
    I16(2, "I16", "ShortStorage"),
    I8(1, "I8", "CharStorage"),
    U8(1, "U8", "ByteStorage"),
    BOOL(1, "BOOL", "BoolStorage");

    private final int size;
    private final String safetensorsName;
    private final String torchStorage;

    DType(int size, String safetensorsName, String torchStorage) {
        this.size = size;
        this.safetensorsName = safetensorsName;
        this.torchStorage = torchStorage;
    }

    /** @return bytes per element */
    public int size() {
        return size;
    }

    /** @return the name in a {@code .safetensors} header, e.g. {@code F32} */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** @return the PyTorch storage class, e.g. {@code FloatStorage} */
    public String torchStorage() {
        return torchStorage;
    }

    /**
     * @param name a {@code .safetensors} dtype
     * @return the type, or {@code null} if unknown
     */
    static DType ofSafetensors(String name) {
        for (DType d : values()) {
            if (d.safetensorsName.equals(name)) {
                return d;
            }
        }
        return null;
    }

    /**
     * @param storage a PyTorch storage class name without module, e.g. {@code FloatStorage}
     * @return the type, or {@code null} if unknown
     */
    static DType ofTorchStorage(String storage) {
        for (DType d : values()) {
            if (d.torchStorage.equals(storage)) {
                return d;
            }
        }
        return null;
    }

    /**
     * Element {@code i} of little-endian data, as a float.
     *
     * @param b the data (little-endian order set by the caller)
     * @param i element index
     * @return the value
     */
    float get(ByteBuffer b, long i) {
        int at = Math.toIntExact(i * size);
        return switch (this) {
            case F64 -> (float) b.getDouble(at);
            case F32 -> b.getFloat(at);
            case F16 -> halfToFloat(b.getShort(at));
            case BF16 -> Float.intBitsToFloat((b.getShort(at) & 0xffff) << 16);
            case I64 -> b.getLong(at);
            case I32 -> b.getInt(at);
            case I16 -> b.getShort(at);
            case I8 -> b.get(at);
            case U8, BOOL -> b.get(at) & 0xff;
        };
    }

    /** @return a little-endian view of bytes */
    static ByteBuffer le(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** IEEE 754 binary16 to binary32 (exact; subnormals, infinities and NaN included). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            float v = mant * 0x1p-24f; // subnormal: mant * 2^-24
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }
}
