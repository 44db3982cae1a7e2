package io.github.hubmapseg.models.weights;

import io.github.hubmapseg.models.weights.Unpickler.StorageRef;
import io.github.hubmapseg.models.weights.Unpickler.TensorRef;
import io.github.hubmapseg.models.weights.Unpickler.Tuple;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads the files of {@code torch.save}: the zip format (torch &gt;= 1.6: {@code ARCHIVE/data.pkl}, storages in
 * {@code ARCHIVE/data/KEY}) and the legacy format (torch &lt; 1.6: the pickles of the magic number, protocol
 * version, sys info and the object, then the pickled list of storage keys and the storages, each an int64 element
 * count and raw little-endian data). The object is a state_dict, or a training checkpoint whose
 * {@code state_dict}/{@code model_state_dict}/{@code model}/{@code net} entry is one. Only the tensors of that
 * state_dict are read.
 */
final class TorchFiles {
    /** torch.serialization's MAGIC_NUMBER of the legacy format. */
    static final BigInteger MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long PROTOCOL = 1001;
    /** Larger pickles are refused: a state_dict's pickle is about 100 bytes a tensor. */
    static final long MAX_PICKLE = 64L << 20;
    private static final List<String> NESTED = List.of("state_dict", "model_state_dict", "model", "net", "module",
            "params");

    private TorchFiles() {
    }

    /** The tensors of the chosen state_dict, grouped by storage. */
    private record Selection(String path, Map<String, TensorRef> tensors) {
    }

    static StateDict readZip(Path file) throws IOException {
        String f = file.toString();
        long fileSize = Files.size(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String pkl = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements();) {
                ZipEntry e = en.nextElement();
                String n = e.getName();
                if (n.startsWith("/") || n.contains("\\") || n.equals("..") || n.startsWith("../")
                        || n.contains("/../") || n.endsWith("/..")) {
                    throw new IOException(f + ": zip entry '" + n + "' has an unsafe path (absolute or ..)");
                }
                if (n.endsWith("data.pkl") && (n.equals("data.pkl") || n.endsWith("/data.pkl"))
                        && n.indexOf('/') == n.lastIndexOf('/')) {
                    pkl = n;
                }
            }
            if (pkl == null) {
                throw new IOException(f + ": zip without ARCHIVE/data.pkl; not a torch.save file");
            }
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            if (byteorder != null) {
                String bo = new String(readEntry(zip, byteorder, 16, f)).trim();
                if (!"little".equals(bo)) {
                    throw new IOException(f + ": byteorder '" + bo + "', only little-endian files are supported");
                }
            }
            ZipEntry pe = zip.getEntry(pkl);
            byte[] pickle = readEntry(zip, pe, MAX_PICKLE, f);
            Map<String, StorageRef> storages = new HashMap<>();
            Unpickler u = new Unpickler(new ByteArrayInputStream(pickle), pickle.length, f,
                    pid -> storage(pid, storages, f, false));
            Selection sel = select(u.load(), f);
            Map<String, List<String>> byStorage = checkViews(sel, f);
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            Map<String, DType> dtypes = new LinkedHashMap<>();
            Map<String, INDArray> built = new HashMap<>();
            for (Map.Entry<String, List<String>> s : byStorage.entrySet()) {
                StorageRef ref = storages.get(s.getKey());
                String entryName = prefix + "data/" + ref.key();
                ZipEntry de = zip.getEntry(entryName);
                if (de == null) {
                    throw new IOException(f + ": storage " + ref.key() + " has no entry " + entryName);
                }
                long need = ref.numel() * ref.dtype().size();
                if (de.getSize() >= 0 && de.getSize() < need) {
                    throw new IOException(f + ": zip entry " + entryName + " has " + de.getSize()
                            + " bytes, its storage of " + ref.numel() + " " + ref.dtype() + " needs " + need);
                }
                if (need > fileSize && de.getMethod() == ZipEntry.STORED) {
                    throw new IOException(f + ": storage " + ref.key() + " claims " + need + " bytes, the file has "
                            + fileSize);
                }
                byte[] data = readPrefix(zip, de, need, f);
                ByteBuffer b = DType.le(data);
                for (String name : s.getValue()) {
                    TensorRef t = sel.tensors().get(name);
                    built.put(name, Tensors.toFloat(ref.dtype(), t.shape(), t.stride(), t.offset(), b));
                }
            }
            for (Map.Entry<String, TensorRef> t : sel.tensors().entrySet()) {
                tensors.put(t.getKey(), built.get(t.getKey()));
                dtypes.put(t.getKey(), t.getValue().storage().dtype());
            }
            return new StateDict(WeightFormat.TORCH_ZIP, tensors, dtypes, sel.path());
        } catch (java.util.zip.ZipException e) {
            throw new IOException(f + ": not a readable zip: " + e.getMessage());
        }
    }

    private static byte[] readEntry(ZipFile zip, ZipEntry e, long max, String f) throws IOException {
        long size = e.getSize();
        if (size < 0 || size > max) {
            throw new IOException(f + ": zip entry " + e.getName() + " has " + size + " bytes, at most " + max
                    + " expected");
        }
        return readPrefix(zip, e, size, f);
    }

    private static byte[] readPrefix(ZipFile zip, ZipEntry e, long n, String f) throws IOException {
        if (n > Integer.MAX_VALUE - 8) {
            throw new IOException(f + ": zip entry " + e.getName() + " needs " + n + " bytes, more than one array");
        }
        try (InputStream in = zip.getInputStream(e)) {
            byte[] b = in.readNBytes((int) n);
            if (b.length != n) {
                throw new IOException(f + ": zip entry " + e.getName() + " has " + b.length + " bytes, " + n
                        + " expected");
            }
            return b;
        }
    }

    static StateDict readLegacy(Path file) throws IOException {
        String f = file.toString();
        long size = Files.size(file);
        try (CountingInput in = new CountingInput(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            Object magic = new Unpickler(in, size - in.count, f, null).load();
            if (!MAGIC.equals(magic instanceof Long l ? BigInteger.valueOf(l) : magic)) {
                throw new IOException(f + ": starts with a pickle but not torch's magic number (got "
                        + Unpickler.typeName(magic) + " " + magic + "); not a torch.save file");
            }
            Object protocol = new Unpickler(in, size - in.count, f, null).load();
            if (!Long.valueOf(PROTOCOL).equals(protocol)) {
                throw new IOException(f + ": torch legacy protocol " + protocol + ", expected " + PROTOCOL);
            }
            Object sysInfo = new Unpickler(in, size - in.count, f, null).load();
            if (sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
                throw new IOException(f + ": written on a big-endian machine; only little-endian files are supported");
            }
            Map<String, StorageRef> storages = new HashMap<>();
            Map<String, StorageRef> views = new HashMap<>();
            Unpickler u = new Unpickler(in, Math.min(size - in.count, MAX_PICKLE), f,
                    pid -> legacyStorage(pid, storages, views, f));
            Selection sel = select(u.load(), f);
            Object keysObj = new Unpickler(in, size - in.count, f, null).load();
            if (!(keysObj instanceof List<?> keys)) {
                throw new IOException(f + ": storage key list is a " + Unpickler.typeName(keysObj));
            }
            Map<String, List<String>> byStorage = checkViews(sel, f);
            Map<String, INDArray> built = new HashMap<>();
            for (Object k : keys) {
                String key = String.valueOf(k);
                byte[] lenBytes = in.readNBytes(8);
                if (lenBytes.length != 8) {
                    throw new IOException(f + ": truncated before storage " + key);
                }
                long numel = DType.le(lenBytes).getLong(0);
                StorageRef root = storages.get(key);
                int elsize = root == null ? 1 : root.dtype().size();
                long left = size - in.count;
                if (numel < 0 || numel > left / elsize) {
                    throw new IOException(f + ": storage " + key + " claims " + numel + " elements ("
                            + (numel * (double) elsize) + " bytes), only " + left + " bytes are left in the file");
                }
                if (root != null && numel < root.numel()) {
                    throw new IOException(f + ": storage " + key + " holds " + numel + " elements, the pickle says "
                            + root.numel());
                }
                List<String> wanted = new ArrayList<>();
                for (Map.Entry<String, StorageRef> v : views.entrySet()) {
                    if (v.getValue().key().equals(key) && byStorage.containsKey(v.getKey())) {
                        wanted.add(v.getKey());
                    }
                }
                if (wanted.isEmpty()) {
                    in.skipNBytes(numel * elsize);
                    continue;
                }
                if (numel * elsize > Integer.MAX_VALUE - 8) {
                    throw new IOException(f + ": storage " + key + " has " + numel * elsize
                            + " bytes, more than one array");
                }
                byte[] data = in.readNBytes((int) (numel * elsize));
                if (data.length != numel * elsize) {
                    throw new IOException(f + ": storage " + key + " truncated");
                }
                for (String viewKey : wanted) {
                    StorageRef view = views.get(viewKey);
                    long viewOffset = view.numel(); // recorded as the view's element offset (see legacyStorage)
                    for (String name : byStorage.get(viewKey)) {
                        TensorRef t = sel.tensors().get(name);
                        built.put(name, Tensors.toFloat(view.dtype(), t.shape(), t.stride(),
                                t.offset() + viewOffset, DType.le(data)));
                    }
                }
            }
            Map<String, INDArray> tensors = new LinkedHashMap<>();
            Map<String, DType> dtypes = new LinkedHashMap<>();
            for (Map.Entry<String, TensorRef> t : sel.tensors().entrySet()) {
                INDArray a = built.get(t.getKey());
                if (a == null) {
                    throw new IOException(f + ": tensor " + t.getKey() + " refers to storage "
                            + t.getValue().storage().key() + ", which is not in the file");
                }
                tensors.put(t.getKey(), a);
                dtypes.put(t.getKey(), t.getValue().storage().dtype());
            }
            return new StateDict(WeightFormat.TORCH_LEGACY, tensors, dtypes, sel.path());
        }
    }

    /** Zip format pid: ('storage', StorageType, key, location, numel). */
    private static Object storage(Object pid, Map<String, StorageRef> storages, String f, boolean legacy)
            throws IOException {
        List<Object> p = pidTuple(pid, 5, f);
        DType dtype = storageType(p.get(1), f);
        String key = String.valueOf(p.get(2));
        long numel = nonNegative(p.get(4), "storage " + key + " size", f);
        StorageRef ref = new StorageRef(dtype, key, numel);
        StorageRef old = storages.putIfAbsent(key, ref);
        if (old != null && (old.dtype() != dtype || old.numel() != numel)) {
            throw new IOException(f + ": storage " + key + " is declared twice with different types or sizes");
        }
        return ref;
    }

    /**
     * Legacy pid: ('storage', StorageType, root_key, location, root_numel, view_metadata) with view_metadata None or
     * (view_key, offset, view_numel). Returns a StorageRef keyed by the view; {@code views} maps it to a ref whose
     * key is the root and whose numel field holds the view's offset.
     */
    private static Object legacyStorage(Object pid, Map<String, StorageRef> roots, Map<String, StorageRef> views,
            String f) throws IOException {
        List<Object> p = pidTuple(pid, 6, f);
        DType dtype = storageType(p.get(1), f);
        String rootKey = String.valueOf(p.get(2));
        long rootNumel = nonNegative(p.get(4), "storage " + rootKey + " size", f);
        StorageRef root = new StorageRef(dtype, rootKey, rootNumel);
        StorageRef old = roots.putIfAbsent(rootKey, root);
        if (old != null && (old.dtype() != dtype || old.numel() != rootNumel)) {
            throw new IOException(f + ": storage " + rootKey + " is declared twice with different types or sizes");
        }
        Object vm = p.get(5);
        if (vm == null) {
            views.put(rootKey, new StorageRef(dtype, rootKey, 0));
            return root;
        }
        if (!(vm instanceof Tuple t) || t.items().size() != 3) {
            throw new IOException(f + ": storage view metadata of " + rootKey + " is not (key, offset, size)");
        }
        String viewKey = String.valueOf(t.items().get(0));
        long offset = nonNegative(t.items().get(1), "view " + viewKey + " offset", f);
        long viewNumel = nonNegative(t.items().get(2), "view " + viewKey + " size", f);
        if (offset + viewNumel > rootNumel) {
            throw new IOException(f + ": storage view " + viewKey + " [" + offset + ", " + (offset + viewNumel)
                    + ") lies outside its storage of " + rootNumel + " elements");
        }
        views.put(viewKey, new StorageRef(dtype, rootKey, offset));
        return new StorageRef(dtype, viewKey, viewNumel);
    }

    private static List<Object> pidTuple(Object pid, int n, String f) throws IOException {
        if (!(pid instanceof Tuple t) || t.items().size() != n || !"storage".equals(t.items().get(0))) {
            throw new IOException(f + ": persistent id " + (pid instanceof Tuple t ? "tuple of " + t.items().size()
                    + " items starting with " + Unpickler.printable(String.valueOf(t.items().isEmpty() ? "" : t.items().get(0)))
                    : Unpickler.printable(String.valueOf(pid))) + " is not a torch storage reference ('storage', ...)");
        }
        return t.items();
    }

    private static DType storageType(Object o, String f) throws IOException {
        if (o instanceof Unpickler.Global g && "torch".equals(g.module())) {
            DType d = DType.ofTorchStorage(g.name());
            if (d != null) {
                return d;
            }
        }
        throw new IOException(f + ": storage type " + Unpickler.typeName(o) + " is not a torch storage type");
    }

    private static long nonNegative(Object o, String what, String f) throws IOException {
        if (o instanceof Long l && l >= 0) {
            return l;
        }
        throw new IOException(f + ": " + what + " is " + o + ", not a non-negative integer");
    }

    /** Finds the state_dict: the object itself, or a known key of a training checkpoint. */
    private static Selection select(Object obj, String f) throws IOException {
        if (obj instanceof Map<?, ?> m) {
            Map<String, TensorRef> direct = tensorsOf(m);
            if (!direct.isEmpty()) {
                return new Selection("", direct);
            }
            for (String k : NESTED) {
                if (m.get(k) instanceof Map<?, ?> inner) {
                    Map<String, TensorRef> t = tensorsOf(inner);
                    if (!t.isEmpty()) {
                        return new Selection(k, t);
                    }
                }
            }
            throw new IOException(f + ": no state_dict found: the saved dict's keys are " + m.keySet()
                    + " and none holds tensors (looked at " + NESTED + ")");
        }
        throw new IOException(f + ": the saved object is a " + Unpickler.typeName(obj)
                + ", not a state_dict (a dict of tensors)");
    }

    private static Map<String, TensorRef> tensorsOf(Map<?, ?> m) {
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof TensorRef t) {
                out.put(k, t);
            }
        }
        return out;
    }

    /** Checks every view against its storage and the total size; groups tensor names by storage key. */
    private static Map<String, List<String>> checkViews(Selection sel, String f) throws IOException {
        Map<String, List<String>> byStorage = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, TensorRef> e : sel.tensors().entrySet()) {
            TensorRef t = e.getValue();
            Tensors.checkView(f, e.getKey(), t.shape(), t.stride(), t.offset(), t.storage().numel());
            total += Tensors.numel(f, e.getKey(), t.shape());
            byStorage.computeIfAbsent(t.storage().key(), k -> new ArrayList<>()).add(e.getKey());
        }
        Tensors.checkMemory(f, total);
        return byStorage;
    }

    /** Counts the bytes read, for the size checks of the legacy format. */
    private static final class CountingInput extends java.io.FilterInputStream {
        long count;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }
}
