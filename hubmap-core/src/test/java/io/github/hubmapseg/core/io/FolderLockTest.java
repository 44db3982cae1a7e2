package io.github.hubmapseg.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #15 (5): a run folder carries a lock; a second writer fails at once, a dead holder's lock is taken over. */
class FolderLockTest {

    @Test
    void anotherProcessIsRefusedNamingTheHolderAndTakesOverAfterKillNine(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Xmx32m", "-cp", System.getProperty("java.class.path"),
                FolderLockChild.class.getName(), run.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            assertThat(r.readLine()).isEqualTo("locked " + child.pid());
            assertThatThrownBy(() -> FolderLock.acquire(run, "hubmap reproduce"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith(run + " is in use by hubmap train (pid " + child.pid() + " on host "
                            + FolderLock.hostName() + ", since ")
                    .message().doesNotContain("\n");
            assertThat(FolderLock.holder(run)).get().extracting(FolderLock.Holder::pid).isEqualTo(child.pid());
            child.destroyForcibly(); // SIGKILL: the process cannot release anything
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            try (FolderLock l = FolderLock.acquire(run, "hubmap reproduce")) {
                assertThat(l.takenOver()).get().extracting(FolderLock.Holder::pid).isEqualTo(child.pid());
                assertThat(FolderLock.holder(run)).get().extracting(FolderLock.Holder::command)
                        .isEqualTo("hubmap reproduce");
            }
            assertThat(FolderLock.holder(run)).isEmpty(); // released: the file stays, empty
            assertThat(Files.size(run.resolve(FolderLock.FILE))).isZero();
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void anotherThreadIsRefusedTheSameThreadReenters(@TempDir Path tmp) throws Exception {
        try (FolderLock outer = FolderLock.acquire(tmp, "hubmap reproduce")) {
            try (FolderLock inner = FolderLock.acquire(tmp.resolve("."), "training of fold 0")) {
                assertThat(inner).isSameAs(outer);
            }
            // still held after the inner close: another thread is refused
            Throwable t = CompletableFuture.supplyAsync(() -> {
                try (FolderLock l = FolderLock.acquire(tmp, "hubmap train")) {
                    return null;
                } catch (Throwable e) {
                    return e;
                }
            }).get(30, TimeUnit.SECONDS);
            assertThat(t).isInstanceOf(IllegalStateException.class).hasMessageContaining("in use by hubmap reproduce"
                    + " (pid " + ProcessHandle.current().pid());
        }
        Throwable after = CompletableFuture.supplyAsync(() -> {
            try (FolderLock l = FolderLock.acquire(tmp, "hubmap train")) {
                return null;
            } catch (Throwable e) {
                return e;
            }
        }).get(30, TimeUnit.SECONDS);
        assertThat(after).isNull();
    }

    @Test
    void aLockFileLeftWithoutAnOsLockIsTakenOver(@TempDir Path tmp) throws Exception {
        // what a killed holder leaves: its line in the file, no lock on it any more
        Files.writeString(tmp.resolve(FolderLock.FILE), "pid=999999999\nhost=elsewhere\nstarted=2026-01-02T03:04:05Z"
                + "\ncommand=hubmap train\n");
        try (FolderLock l = FolderLock.acquire(tmp, "hubmap predict")) {
            assertThat(l.takenOver()).get().extracting(FolderLock.Holder::describe)
                    .isEqualTo("hubmap train (pid 999999999 on host elsewhere, since 2026-01-02T03:04:05Z)");
        }
    }

    @Test
    void aLockFileThatIsNotARegularFileIsRefused(@TempDir Path tmp) throws Exception {
        Files.createSymbolicLink(tmp.resolve(FolderLock.FILE), tmp.resolve("elsewhere"));
        assertThatThrownBy(() -> FolderLock.acquire(tmp, "hubmap train")).hasMessageContaining("not a regular file");
        assertThat(tmp.resolve("elsewhere")).doesNotExist();
    }
}
