package io.github.hubmapseg.models.weights;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A pickle reader (protocols 0-5) that never runs code: it builds plain values (None as {@code null}, bool, int as
 * {@code Long} or {@code BigInteger}, float as {@code Double}, str, bytes, {@link Tuple}, list, dict) and knows a
 * fixed list of globals ({@link #ALLOWED}); any other global is refused with an {@link IOException} naming it and
 * the file. Torch tensors become {@link TensorRef}s over the storages a {@link PersistentLoader} returns.
 * Lengths are checked against the bytes left before anything is allocated, and the number of objects is bounded.
 */
final class Unpickler {
    /** The globals a state_dict pickle may name (module + "." + name). */
    static final Set<String> ALLOWED;

    static {
        List<String> allowed = new ArrayList<>(List.of("collections.OrderedDict", "torch._utils._rebuild_tensor",
                "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter",
                "torch._utils._rebuild_parameter_with_state", "builtins.set", "builtins.frozenset",
                "__builtin__.set", "torch.Size"));
        for (DType d : DType.values()) {
            allowed.add("torch." + d.torchStorage());
        }
        ALLOWED = Set.copyOf(allowed);
    }

    private static final int MAX_OBJECTS = 20_000_000;

    /** A Python tuple. */
    record Tuple(List<Object> items) {
        Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }
    }

    /** An allowed global. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A torch storage: its element type, key and element count. */
    record StorageRef(DType dtype, String key, long numel) {
    }

    /** A torch tensor: a strided view of a storage (offsets and strides in elements). */
    record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    }

    /** Resolves {@code persistent_id}s (torch storages). */
    interface PersistentLoader {
        Object load(Object pid) throws IOException;
    }

    private final InputStream in;
    private long remaining;
    private long position;
    private final String file;
    private final PersistentLoader loader;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private long objects;

    /**
     * @param in the pickle bytes (read up to STOP)
     * @param available bytes that may be read from {@code in}
     * @param file the file, for messages
     * @param loader resolves persistent ids; {@code null} refuses them
     */
    Unpickler(InputStream in, long available, String file, PersistentLoader loader) {
        this.in = in;
        this.remaining = available;
        this.file = file;
        this.loader = loader;
    }

    private IOException error(String message) {
        return new IOException(file + ": " + printable(message) + " (pickle byte " + position + ")");
    }

    /** Pickle bytes shown in a message: control characters as '?', at most 120 characters (one line). */
    static String printable(String s) {
        String p = s.replaceAll("\\p{Cntrl}", "?");
        return p.length() > 120 ? p.substring(0, 120) + "..." : p;
    }

    private int u8() throws IOException {
        if (remaining <= 0) {
            throw error("pickle ends before STOP");
        }
        int b = in.read();
        if (b < 0) {
            throw error("pickle ends before STOP");
        }
        remaining--;
        position++;
        return b;
    }

    private byte[] bytes(long n) throws IOException {
        if (n < 0 || n > remaining) {
            throw error("a pickle item claims " + n + " bytes, only " + remaining + " left");
        }
        byte[] b = in.readNBytes((int) n);
        if (b.length != n) {
            throw new EOFException(file + ": pickle truncated");
        }
        remaining -= n;
        position += n;
        return b;
    }

    private long le(int n) throws IOException {
        byte[] b = bytes(n);
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }

    private String line() throws IOException {
        StringBuilder sb = new StringBuilder();
        int c;
        while ((c = u8()) != '\n') {
            sb.append((char) c);
            if (sb.length() > 1 << 20) {
                throw error("text line longer than 1 MiB");
            }
        }
        return sb.toString();
    }

    private void push(Object o) throws IOException {
        if (++objects > MAX_OBJECTS) {
            throw error("more than " + MAX_OBJECTS + " pickle objects");
        }
        stack.add(o);
    }

    private Object pop() throws IOException {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.get(marks.size() - 1) >= stack.size())) {
            throw error("pickle stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws IOException {
        if (stack.isEmpty()) {
            throw error("pickle stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws IOException {
        if (marks.isEmpty()) {
            throw error("no MARK on the pickle stack");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return items;
    }

    private Object memoGet(long key) throws IOException {
        if (!memo.containsKey(key)) {
            throw error("memo key " + key + " was never stored");
        }
        return memo.get(key);
    }

    private Global global(String module, String name) throws IOException {
        String q = module + "." + name;
        if (!ALLOWED.contains(q)) {
            throw new IOException(file + ": refused global " + printable(q) + " (a weight file may only name tensor and"
                    + " storage rebuild functions, torch storage types and collections.OrderedDict; loading it"
                    + " would run code)");
        }
        return new Global(module, name);
    }

    /**
     * Reads one pickle, up to its STOP.
     *
     * @return the unpickled value
     * @throws IOException if it is malformed or names a global that is not allowed
     */
    Object load() throws IOException {
        while (true) {
            int op = u8();
            switch (op) {
                case 0x80 -> { // PROTO
                    int p = u8();
                    if (p > 5) {
                        throw error("unsupported pickle protocol " + p);
                    }
                }
                case 0x95 -> le(8); // FRAME: length only
                case '.' -> { // STOP
                    Object v = pop();
                    return v;
                }
                case '(' -> marks.add(stack.size());
                case '0' -> pop();
                case '1' -> popMark();
                case '2' -> push(peek());
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) (int) le(4));
                case 'K' -> push((long) u8());
                case 'M' -> push(le(2));
                case 0x8a -> push(longN(u8()));
                case 0x8b -> push(longN(le(4)));
                case 'I' -> {
                    String s = line().trim();
                    push(switch (s) {
                        case "00" -> Boolean.FALSE;
                        case "01" -> Boolean.TRUE;
                        default -> parseInt(s);
                    });
                }
                case 'L' -> {
                    String s = line().trim();
                    push(parseInt(s.endsWith("L") ? s.substring(0, s.length() - 1) : s));
                }
                case 'F' -> {
                    String s = line().trim();
                    try {
                        push(Double.parseDouble(s));
                    } catch (NumberFormatException e) {
                        throw error("bad float " + s);
                    }
                }
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(le(8))));
                case 'X' -> push(new String(bytes(le(4)), StandardCharsets.UTF_8));
                case 0x8c -> push(new String(bytes(u8()), StandardCharsets.UTF_8));
                case 0x8d -> push(new String(bytes(le(8)), StandardCharsets.UTF_8));
                case 'V' -> push(line());
                case 'T' -> push(new String(bytes(le(4)), StandardCharsets.ISO_8859_1));
                case 'U' -> push(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                case 'S' -> push(unquote(line()));
                case 'B' -> push(bytes(le(4)));
                case 'C' -> push(bytes(u8()));
                case 0x8e, 0x96 -> push(bytes(le(8)));
                case ')' -> push(new Tuple(List.of()));
                case 0x85 -> push(new Tuple(List.of(nullSafe(pop()))));
                case 0x86 -> {
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(listOf(a, b)));
                }
                case 0x87 -> {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(listOf(a, b, c)));
                }
                case 't' -> push(new Tuple(popMark()));
                case ']' -> push(new ArrayList<>());
                case 'l' -> push(new ArrayList<>(popMark()));
                case '}' -> push(new LinkedHashMap<>());
                case 'd' -> {
                    List<Object> kv = popMark();
                    Map<Object, Object> d = new LinkedHashMap<>();
                    putAll(d, kv);
                    push(d);
                }
                case 0x8f -> push(new ArrayList<>()); // EMPTY_SET, as a list
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    asList(peek(), "ADDITEMS").addAll(items);
                }
                case 0x91 -> push(new ArrayList<>(popMark())); // FROZENSET
                case 'a' -> {
                    Object v = pop();
                    asList(peek(), "APPEND").add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    asList(peek(), "APPENDS").addAll(items);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    asMap(peek(), "SETITEM").put(k, v);
                }
                case 'u' -> {
                    List<Object> kv = popMark();
                    putAll(asMap(peek(), "SETITEMS"), kv);
                }
                case 'p' -> memo.put(parseInt(line().trim()).longValue(), peek());
                case 'q' -> memo.put((long) u8(), peek());
                case 'r' -> memo.put(le(4), peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'g' -> push(memoGet(parseInt(line().trim()).longValue()));
                case 'h' -> push(memoGet(u8()));
                case 'j' -> push(memoGet(le(4)));
                case 'c' -> {
                    String module = line();
                    String name = line();
                    push(global(module, name));
                }
                case 0x93 -> {
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw error("STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case 'R' -> {
                    Object args = pop();
                    Object fn = pop();
                    push(call(fn, args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args));
                }
                case 0x92 -> { // NEWOBJ_EX
                    pop();
                    Object args = pop();
                    Object cls = pop();
                    push(call(cls, args));
                }
                case 'b' -> {
                    Object state = pop();
                    build(peek(), state);
                }
                case 'P' -> push(persistent(line()));
                case 'Q' -> push(persistent(pop()));
                case 'i', 'o', 0x82, 0x83, 0x84, 0x97, 0x98 -> throw error(String.format(
                        "refused pickle opcode 0x%02x (instance creation, extension registry or out-of-band buffer)",
                        op));
                default -> throw error(String.format("unknown pickle opcode 0x%02x", op));
            }
        }
    }

    private static Object nullSafe(Object o) {
        return o;
    }

    private static List<Object> listOf(Object... items) {
        List<Object> l = new ArrayList<>(items.length);
        Collections.addAll(l, items);
        return l;
    }

    private Number longN(long n) throws IOException {
        byte[] b = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            be[i] = b[b.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Number) v.longValue() : v;
    }

    private Number parseInt(String s) throws IOException {
        try {
            BigInteger v = new BigInteger(s);
            return v.bitLength() < 64 ? (Number) v.longValue() : v;
        } catch (NumberFormatException e) {
            throw error("bad integer '" + s + "'");
        }
    }

    private String unquote(String s) throws IOException {
        s = s.trim();
        if (s.length() < 2 || (s.charAt(0) != '\'' && s.charAt(0) != '"') || s.charAt(s.length() - 1) != s.charAt(0)) {
            throw error("bad STRING " + s);
        }
        return s.substring(1, s.length() - 1);
    }

    @SuppressWarnings("unchecked")
    private List<Object> asList(Object o, String op) throws IOException {
        if (o instanceof List<?> l && !(o instanceof Tuple)) {
            return (List<Object>) l;
        }
        throw error(op + " on a " + typeName(o));
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> asMap(Object o, String op) throws IOException {
        if (o instanceof Map<?, ?> m) {
            return (Map<Object, Object>) m;
        }
        throw error(op + " on a " + typeName(o));
    }

    private void putAll(Map<Object, Object> d, List<Object> kv) throws IOException {
        if (kv.size() % 2 != 0) {
            throw error("odd number of dict items");
        }
        for (int i = 0; i < kv.size(); i += 2) {
            Object k = kv.get(i);
            if (k instanceof byte[] || k instanceof List || k instanceof Map) {
                throw error("unhashable dict key " + typeName(k));
            }
            d.put(k, kv.get(i + 1));
        }
    }

    static String typeName(Object o) {
        return o == null ? "None" : o instanceof Tuple ? "tuple" : o instanceof Global g ? g.qualified()
                : o.getClass().getSimpleName();
    }

    private Object persistent(Object pid) throws IOException {
        if (loader == null) {
            throw error("persistent id in a pickle that may not have one");
        }
        return loader.load(pid);
    }

    private void build(Object obj, Object state) throws IOException {
        // OrderedDict attributes (a state_dict's _metadata) and parameter state are not needed
        if (obj instanceof Map || obj instanceof TensorRef) {
            return;
        }
        throw error("BUILD on a " + typeName(obj));
    }

    private Object call(Object fn, Object argsObj) throws IOException {
        if (!(fn instanceof Global g)) {
            throw error("call of a " + typeName(fn) + ", not an allowed global");
        }
        if (!(argsObj instanceof Tuple t)) {
            throw error("arguments of " + g.qualified() + " are a " + typeName(argsObj) + ", not a tuple");
        }
        List<Object> a = t.items();
        switch (g.qualified()) {
            case "collections.OrderedDict" -> {
                Map<Object, Object> d = new LinkedHashMap<>();
                if (!a.isEmpty()) {
                    for (Object item : asList(a.get(0), "OrderedDict(items)")) {
                        if (!(item instanceof Tuple kv) || kv.items().size() != 2) {
                            throw error("OrderedDict item is not a pair");
                        }
                        d.put(kv.items().get(0), kv.items().get(1));
                    }
                }
                return d;
            }
            case "builtins.set", "builtins.frozenset", "__builtin__.set" -> {
                return a.isEmpty() ? new ArrayList<>() : new ArrayList<>(asList(a.get(0), "set(items)"));
            }
            case "torch.Size" -> {
                return a.isEmpty() ? new Tuple(List.of()) : a.get(0);
            }
            case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> {
                if (a.size() < 4) {
                    throw error(g.name() + " needs (storage, offset, size, stride), got " + a.size() + " arguments");
                }
                if (!(a.get(0) instanceof StorageRef s)) {
                    throw error(g.name() + ": first argument is a " + typeName(a.get(0)) + ", not a storage");
                }
                long offset = asLong(a.get(1), "storage offset");
                long[] shape = longs(a.get(2), "size");
                long[] stride = longs(a.get(3), "stride");
                if (shape.length != stride.length) {
                    throw error("tensor size " + java.util.Arrays.toString(shape) + " and stride "
                            + java.util.Arrays.toString(stride) + " differ in rank");
                }
                return new TensorRef(s, offset, shape, stride);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.isEmpty() || !(a.get(0) instanceof TensorRef)) {
                    throw error(g.name() + " of a " + (a.isEmpty() ? "nothing" : typeName(a.get(0))));
                }
                return a.get(0);
            }
            default -> throw error(g.qualified() + " cannot be called");
        }
    }

    private long asLong(Object o, String what) throws IOException {
        if (o instanceof Long l) {
            return l;
        }
        throw error(what + " is a " + typeName(o) + ", not an integer");
    }

    private long[] longs(Object o, String what) throws IOException {
        if (!(o instanceof Tuple t)) {
            throw error(what + " is a " + typeName(o) + ", not a tuple");
        }
        long[] out = new long[t.items().size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = asLong(t.items().get(i), what);
            if (out[i] < 0) {
                throw error(what + " has a negative entry " + out[i]);
            }
        }
        return out;
    }
}
