package io.github.hubmapseg.models.weights;

/** The tensor file formats {@link WeightFiles} reads, detected from the file's first bytes. */
public enum WeightFormat {
    /** Hugging Face {@code .safetensors}: 8-byte header length, JSON header, raw data. */
    SAFETENSORS,
    /** {@code torch.save} of torch &gt;= 1.6: a zip with {@code ARCHIVE/data.pkl} and {@code ARCHIVE/data/KEY}. */
    TORCH_ZIP,
    /** {@code torch.save} of torch &lt; 1.6 (or {@code _use_new_zipfile_serialization=False}): pickles, raw storages. */
    TORCH_LEGACY,
    /** NumPy {@code np.savez} of a state_dict. */
    NPZ
}
