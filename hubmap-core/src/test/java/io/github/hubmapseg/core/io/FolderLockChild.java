package io.github.hubmapseg.core.io;

import java.nio.file.Path;

/** Child JVM of {@link FolderLockTest}: locks a folder, reports it, then waits to be killed. */
final class FolderLockChild {

    private FolderLockChild() {
    }

    public static void main(String[] args) throws Exception {
        FolderLock l = FolderLock.acquire(Path.of(args[0]), "hubmap train");
        System.out.println("locked " + l.holder().pid());
        System.out.flush();
        Thread.sleep(120_000);
        l.close();
    }
}
