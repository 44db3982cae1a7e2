package io.github.hubmapseg.core.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * An exclusive lock on a folder while one process writes it (a run folder of {@code hubmap train} or
 * {@code reproduce}, a fold's folder, the folder {@code hubmap predict --out} writes into): the file
 * {@value #FILE} in the folder, locked with the operating system's file lock and holding who locked it
 * ({@code pid}, {@code host}, {@code started}, {@code command}).
 *
 * <p>A second process (or another thread of this JVM) that asks for the lock fails at once with an
 * {@link IllegalStateException} whose one-line message names the holder. The operating system releases the lock
 * when its process dies, even by {@code kill -9}: the next {@link #acquire} then <em>takes the stale lock
 * over</em> ({@link #takenOver()} names the dead holder). The lock file itself is left in the folder (emptied on
 * {@link #close()}): deleting it would let two processes lock two different files of the same name.
 * <p>The same thread may acquire a folder it holds again (the outer acquisition keeps it until its close).
 * Where the file system cannot lock files (some network file systems), the file's content decides: a holder on
 * this host whose process is alive, or any holder on another host, keeps the folder.
 */
public final class FolderLock implements AutoCloseable {

    /** Name of the lock file inside the folder. */
    public static final String FILE = ".hubmap.lock";

    /** Locks held by this JVM, by real folder path (a second channel on the file could release the OS lock). */
    private static final Map<Path, FolderLock> HELD = new HashMap<>();

    /**
     * Who holds (or held) a folder.
     *
     * @param pid     process id
     * @param host    host name
     * @param started when the lock was taken
     * @param command what holds it (e.g. "hubmap train")
     */
    public record Holder(long pid, String host, Instant started, String command) {
        /** @return "hubmap train (pid 1234 on host h, since 2026-12-06T22:31:05Z)" */
        public String describe() {
            return command + " (pid " + pid + " on host " + host + ", since " + started + ")";
        }

        String text() {
            return "pid=" + pid + "\nhost=" + host + "\nstarted=" + started + "\ncommand="
                    + command.replaceAll("[\\r\\n]", " ") + "\n";
        }

        static Optional<Holder> parse(String text) {
            Map<String, String> kv = new LinkedHashMap<>();
            for (String line : text.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    kv.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
            try {
                return Optional.of(new Holder(Long.parseLong(kv.get("pid")), kv.getOrDefault("host", "?"),
                        Instant.parse(kv.get("started")), kv.getOrDefault("command", "?")));
            } catch (RuntimeException e) { // empty (released) or not ours
                return Optional.empty();
            }
        }
    }

    private final Path folder;
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;
    private final Holder holder;
    private final Holder previous;
    private final Thread owner;
    private int depth = 1;

    private FolderLock(Path folder, Path file, FileChannel channel, FileLock lock, Holder holder, Holder previous) {
        this.folder = folder;
        this.file = file;
        this.channel = channel;
        this.lock = lock;
        this.holder = holder;
        this.previous = previous;
        this.owner = Thread.currentThread();
    }

    /**
     * Locks a folder (created if absent) for {@code command}.
     *
     * @param folder  the folder
     * @param command what will write it, for the message of whoever is refused (e.g. "hubmap train")
     * @return the lock; close it when the folder is written
     * @throws IllegalStateException naming the folder and the holder when another process or thread holds it
     * @throws IOException           if the folder or its lock file cannot be created
     */
    public static FolderLock acquire(Path folder, String command) throws IOException {
        Objects.requireNonNull(command, "command");
        Files.createDirectories(folder);
        Path real = folder.toRealPath();
        Path file = real.resolve(FILE);
        synchronized (HELD) {
            FolderLock mine = HELD.get(real);
            if (mine != null) {
                if (mine.owner == Thread.currentThread()) {
                    mine.depth++;
                    return mine;
                }
                throw locked(folder, mine.holder);
            }
            if (Files.isSymbolicLink(file) || (Files.exists(file, LinkOption.NOFOLLOW_LINKS)
                    && !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS))) {
                throw new IOException(file + " is not a regular file; refusing to use it as the folder's lock");
            }
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            boolean ok = false;
            try {
                FileLock l = null;
                boolean got;
                try {
                    l = ch.tryLock();
                    got = l != null;
                } catch (OverlappingFileLockException e) {
                    got = false; // held by this JVM through another path (a hard-linked folder); the content names it
                } catch (IOException e) {
                    fallback(folder, ch); // no locking on this file system: the content decides
                    got = true;
                }
                Optional<Holder> before = Holder.parse(read(ch));
                if (!got) {
                    throw before.map(h -> locked(folder, h)).orElseGet(() -> new IllegalStateException(folder
                            + " is locked by another process (" + file + "); it is released when that process ends"));
                }
                Holder me = new Holder(ProcessHandle.current().pid(), hostName(),
                        Instant.now().truncatedTo(ChronoUnit.SECONDS), command);
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(me.text().getBytes(StandardCharsets.UTF_8)), 0);
                ch.force(false);
                FolderLock fl = new FolderLock(real, file, ch, l, me,
                        before.orElse(null));
                HELD.put(real, fl);
                ok = true;
                return fl;
            } finally {
                if (!ok) {
                    ch.close();
                }
            }
        }
    }

    /** Without an OS lock: refuses when the file names a live holder (or one on another host). */
    private static void fallback(Path folder, FileChannel ch) throws IOException {
        Optional<Holder> h = Holder.parse(read(ch));
        if (h.isPresent()) {
            boolean here = h.get().host().equals(hostName());
            if (!here || ProcessHandle.of(h.get().pid()).map(ProcessHandle::isAlive).orElse(false)) {
                throw locked(folder, h.get());
            }
        }
    }

    private static IllegalStateException locked(Path folder, Holder h) {
        return new IllegalStateException(folder + " is in use by " + h.describe() + ": wait for it to end or stop "
                + "it (a lock of a process that died is taken over)");
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(4096);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** @return this host's name (from the kernel, else the local address, else "localhost") */
    static String hostName() {
        try {
            Path k = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(k)) {
                return Files.readString(k).strip();
            }
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            return "localhost";
        }
    }

    /**
     * Who holds a folder now, read from its lock file without locking it (empty when free or never locked).
     *
     * @throws IOException if the lock file exists but cannot be read
     */
    public static Optional<Holder> holder(Path folder) throws IOException {
        synchronized (HELD) {
            Path f = folder.resolve(FILE);
            if (!Files.isRegularFile(f)) {
                return Optional.empty();
            }
            Path real = folder.toRealPath();
            FolderLock mine = HELD.get(real);
            if (mine != null) {
                return Optional.of(mine.holder);
            }
            // this JVM holds no lock on it, so closing a channel releases nothing
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                return Holder.parse(read(ch));
            }
        }
    }

    /** @return this lock's holder (this process) */
    public Holder holder() {
        return holder;
    }

    /** @return the folder, as a real path */
    public Path folder() {
        return folder;
    }

    /**
     * @return the previous holder whose lock was left behind (its process died) and taken over by this one,
     *     empty when the folder was free
     */
    public Optional<Holder> takenOver() {
        return Optional.ofNullable(previous);
    }

    /** Releases the lock (the outermost close of the thread that took it): empties the lock file. */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (depth == 0 || --depth > 0) {
                return;
            }
            HELD.remove(folder);
            try {
                channel.truncate(0);
            } finally {
                try {
                    if (lock != null) {
                        lock.release();
                    }
                } finally {
                    channel.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "FolderLock[" + file + ", " + holder.describe() + "]";
    }
}
