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
    /** For a member's ledger ({@link #member}): the recipe's ledger it records into, else {@code null}. */
    private final KeyLedger parent;
    private final String prefix;
    private final Set<String> own;

    KeyLedger() {
        this(null, "", Set.of());
    }

    private KeyLedger(KeyLedger parent, String prefix, Set<String> own) {
        this.parent = parent;
        this.prefix = prefix;
        this.own = Set.copyOf(own);
    }

    /**
     * The ledger of one entry of a recipe's {@code members} list: a read of a key the member sets ({@code own}) is
     * recorded in this ledger as {@code prefix + key} (e.g. {@code members[1].data.reduce}), any other read as the
     * recipe's own key, which the member inherits. So a member's key counts as read only when that member's run
     * reads it, and a top-level key that every member overrides is never read (and reported).
     *
     * @param prefix e.g. {@code members[1].}
     * @param own    the keys the member sets
     */
    KeyLedger member(String prefix, Set<String> own) {
        return new KeyLedger(this, prefix, own);
    }

    /** The keys the recipe file and overrides set (dotted, e.g. {@code data.shift}), sorted. */
    public List<String> declared() {
        if (parent != null) { // a member's view: the recipe's keys (less the members'), and its own
            TreeSet<String> out = new TreeSet<>(own);
            for (String k : parent.declared()) {
                if (!k.startsWith("members")) {
                    out.add(k);
                }
            }
            return List.copyOf(out);
        }
        return List.copyOf(new TreeSet<>(declared));
    }

    /** The keys read so far, sorted. */
    public List<String> consumed() {
        return parent != null ? parent.consumed() : List.copyOf(new TreeSet<>(consumed));
    }

    /** Declared keys not read so far, sorted. */
    public List<String> unconsumed() {
        if (parent != null) {
            return parent.unconsumed();
        }
        TreeSet<String> out = new TreeSet<>(declared);
        out.removeAll(consumed);
        return List.copyOf(out);
    }

    void declare(String key) {
        if (parent != null) {
            parent.declare(own.contains(key) ? prefix + key : key);
        } else {
            declared.add(key);
        }
    }

    /** Forgets the declared keys of a {@code members} list (the list was replaced). */
    void undeclareMembers() {
        if (parent != null) {
            parent.undeclareMembers();
        } else {
            declared.removeIf(k -> k.startsWith("members"));
        }
    }

    void declareAll(KeyLedger other) {
        for (String k : other.declared()) {
            declare(k);
        }
    }

    /** Records a read of {@code key} (unless inside {@link #quietly}). */
    void read(String key) {
        if (parent != null) {
            parent.read(own.contains(key) ? prefix + key : key);
        } else if (!QUIET.get()) {
            consumed.add(key);
        }
    }

    /** Records a read of {@code key} and returns its value: the one accessor of every setting (primitives box). */
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
