package io.github.hubmapseg.models.weights;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tensors of a weight file.
 *
 * @param format the file's format
 * @param tensors tensors by name, in file order, as float32 C-order arrays (integers and other float types converted)
 * @param dtypes the stored element type of every tensor
 * @param path where the tensors were found in the file: {@code ""} for a plain state_dict, else the key of the
 *     training checkpoint that holds it (e.g. {@code state_dict})
 */
public record StateDict(WeightFormat format, Map<String, INDArray> tensors, Map<String, DType> dtypes, String path) {
    /** Validates and copies. */
    public StateDict {
        Objects.requireNonNull(format, "format");
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        dtypes = Collections.unmodifiableMap(new LinkedHashMap<>(dtypes));
        Objects.requireNonNull(path, "path");
    }

    /** @return tensor counts by stored element type */
    public Map<DType, Integer> dtypeCounts() {
        Map<DType, Integer> out = new TreeMap<>();
        for (DType d : dtypes.values()) {
            out.merge(d, 1, Integer::sum);
        }
        return out;
    }

    /** @return the total number of elements */
    public long elements() {
        long n = 0;
        for (INDArray a : tensors.values()) {
            n += a.length();
        }
        return n;
    }
}
