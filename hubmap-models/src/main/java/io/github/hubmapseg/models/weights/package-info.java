/**
 * Reading and writing tensor files without Python: {@code .safetensors}, PyTorch's {@code torch.save} files (the
 * zip format of torch &gt;= 1.6 and the legacy format of older releases) and NumPy {@code .npz}.
 * {@link io.github.hubmapseg.models.weights.WeightFiles#read(java.nio.file.Path)} detects the format from the
 * file's bytes and returns a {@link io.github.hubmapseg.models.weights.StateDict}.
 *
 * <p>Pickles are read by a small unpickler that knows a fixed list of globals (tensor and parameter rebuild
 * functions, storage types, {@code collections.OrderedDict}); anything else is refused naming the global and the
 * file, so loading a file never runs code. Every size in a file is checked against the file before anything is
 * allocated.
 */
package io.github.hubmapseg.models.weights;
