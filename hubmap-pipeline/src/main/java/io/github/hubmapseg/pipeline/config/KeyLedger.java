package io.github.hubmapseg.pipeline.config;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Which keys of a loaded {@link Recipe} were set by its file or overrides ({@link #declared()}) and which ones
 * the code has read ({@link #consumed()}). Every accessor of a recipe setting records its dotted key here when it
 * is called, so a key is consumed exactly where it is read; {@link Recipes#requireConsumed} turns a declared
 * key that nothing read into an error naming it. All sections of one recipe share one ledger; a recipe derived by
 * {@link Recipes#withOverrides} shares its parent's ledger (it is the same recipe, changed). Thread-safe.
 * <p>Ledgers compare equal to each other, so they never take part in a recipe's {@code equals}/{@code hashCode}.
 */
public final class KeyLedger {
    private static final ThreadLocal<KeyLedger> BINDING = new ThreadLocal<>();
    private static final ThreadLocal<Boolean> QUIET = ThreadLocal.withInitial(() -> Boolean.FALSE);

    private final Set<String> declared = ConcurrentHashMap.newKeySet();
    private final Set<String> consumed = ConcurrentHashMap.newKeySet();

    KeyLedger() {
    }

    /** The keys the recipe file and overrides set (dotted, e.g. {@code data.shift}), sorted. */
    public List<String> declared() {
        return List.copyOf(new TreeSet<>(declared));
    }

    /** The keys read so far, sorted. */
    public List<String> consumed() {
        return List.copyOf(new TreeSet<>(consumed));
    }

    /** Declared keys not read so far, sorted. */
    public List<String> unconsumed() {
        TreeSet<String> out = new TreeSet<>(declared);
        out.removeAll(consumed);
        return List.copyOf(out);
    }

    void declare(String key) {
        declared.add(key);
    }

    void declareAll(KeyLedger other) {
        declared.addAll(other.declared);
    }

    /** Records a read of {@code key} (unless inside {@link #quietly}). */
    void read(String key) {
        if (!QUIET.get()) {
            consumed.add(key);
        }
    }

    String read(String key, String v) {
        read(key);
        return v;
    }

    int read(String key, int v) {
        read(key);
        return v;
    }

    long read(String key, long v) {
        read(key);
        return v;
    }

    double read(String key, double v) {
        read(key);
        return v;
    }

    boolean read(String key, boolean v) {
        read(key);
        return v;
    }

    <T> T read(String key, T v) {
        read(key);
        return v;
    }

    /** The ledger of the recipe being bound on this thread, or a fresh one for a section built by hand. */
    static KeyLedger binding() {
        KeyLedger l = BINDING.get();
        return l != null ? l : new KeyLedger();
    }

    /** Binds sections on this thread into {@code ledger}. */
    static <T> T bindingInto(KeyLedger ledger, Supplier<T> bind) {
        KeyLedger before = BINDING.get();
        BINDING.set(ledger);
        try {
            return bind.get();
        } finally {
            if (before == null) {
                BINDING.remove();
            } else {
                BINDING.set(before);
            }
        }
    }

    /** Runs {@code action} without recording reads (serialising a recipe reads every key but uses none). */
    static <T> T quietly(Supplier<T> action) {
        boolean before = QUIET.get();
        QUIET.set(Boolean.TRUE);
        try {
            return action.get();
        } finally {
            QUIET.set(before);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyLedger;
    }

    @Override
    public int hashCode() {
        return 0;
    }

    @Override
    public String toString() {
        return "keys";
    }
}
