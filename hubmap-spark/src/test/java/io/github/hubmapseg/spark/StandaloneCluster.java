package io.github.hubmapseg.spark;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.launcher.JavaModuleOptions;

/**
 * A real Spark standalone cluster on 127.0.0.1 for tests: a Master and Workers as separate JVMs started from the
 * Spark jars on the test classpath ({@code org.apache.spark.deploy.master.Master}, {@code ...worker.Worker}),
 * free ports, {@code SPARK_LOCAL_IP=127.0.0.1}, logs and work folders under {@code dir}. The Workers launch their
 * executors from an empty {@code SPARK_HOME/jars} plus the application's {@code spark.executor.extraClassPath}.
 */
final class StandaloneCluster implements AutoCloseable {
    private final Path dir;
    private final String classPath;
    private final Process master;
    private final int masterPort;
    private final List<Process> workers = new ArrayList<>();

    private StandaloneCluster(Path dir, String classPath, Process master, int masterPort) {
        this.dir = dir;
        this.classPath = classPath;
        this.master = master;
        this.masterPort = masterPort;
    }

    /**
     * Starts a Master and {@code workers} Workers of one core and {@code workerMemory} each; returns once the
     * Master accepts connections (the Workers register in the background).
     */
    static StandaloneCluster start(Path dir, int workers, String workerMemory) throws IOException,
            InterruptedException {
        Files.createDirectories(dir.resolve("home/jars"));
        String cp = SparkCohorts.executorClassPath();
        int port = freePort();
        Process m = launch(dir, cp, "master", List.of("org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort())));
        StandaloneCluster c = new StandaloneCluster(dir, cp, m, port);
        try {
            c.awaitPort(port, Duration.ofSeconds(60));
            for (int i = 0; i < workers; i++) {
                Path work = dir.resolve("work-" + i);
                Files.createDirectories(work);
                c.workers.add(launch(dir, cp, "worker-" + i, List.of("org.apache.spark.deploy.worker.Worker",
                        "--host", "127.0.0.1", "--port", String.valueOf(freePort()), "--webui-port",
                        String.valueOf(freePort()), "--cores", "1", "--memory", workerMemory, "--work-dir",
                        work.toString(), c.masterUrl())));
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private static Process launch(Path dir, String cp, String name, List<String> mainAndArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx160m");
        cmd.add("-XX:TieredStopAtLevel=1"); // the daemons only route messages: start fast on a loaded machine
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
        cmd.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");
        cmd.addAll(List.of(JavaModuleOptions.defaultModuleOptions().split(" ")));
        cmd.add("-cp");
        cmd.add(cp);
        cmd.addAll(mainAndArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("SPARK_HOME", dir.resolve("home").toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().remove("SPARK_CONF_DIR");
        return pb.start();
    }

    /** @return {@code spark://127.0.0.1:PORT} */
    String masterUrl() {
        return "spark://127.0.0.1:" + masterPort;
    }

    /** @return the classpath the daemons run with (also the executors' through the driver's configuration) */
    String classPath() {
        return classPath;
    }

    /** @return the Worker process {@code i} */
    Process worker(int i) {
        return workers.get(i);
    }

    /**
     * Kills Worker {@code i} and its executors at once, as a lost machine (SIGKILL, no shutdown hooks).
     *
     * @return the pids killed
     */
    List<Long> kill(int i) throws InterruptedException {
        Process w = workers.get(i);
        List<ProcessHandle> tree = new ArrayList<>(w.descendants().toList());
        tree.add(w.toHandle());
        List<Long> pids = tree.stream().map(ProcessHandle::pid).toList();
        tree.forEach(ProcessHandle::destroyForcibly);
        w.waitFor(30, TimeUnit.SECONDS);
        return pids;
    }

    /** @return every live process of the cluster: the Master, the Workers and their executors */
    List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        Stream.concat(Stream.of(master), workers.stream()).filter(Process::isAlive).forEach(p -> {
            all.add(p.toHandle());
            p.descendants().forEach(all::add);
        });
        return all;
    }

    /** @return the folder of the logs */
    Path dir() {
        return dir;
    }

    private void awaitPort(int port, Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            if (!master.isAlive()) {
                throw new IllegalStateException("the Spark master exited with " + master.exitValue() + ": "
                        + tail(dir.resolve("master.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
                return;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        throw new IllegalStateException("the Spark master did not listen on port " + port + " within " + timeout
                + ": " + tail(dir.resolve("master.log")));
    }

    /** @return the last lines of a log, for failure messages */
    static String tail(Path log) {
        try {
            List<String> l = Files.readAllLines(log);
            return String.join("\n", l.subList(Math.max(0, l.size() - 30), l.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /**
     * The local addresses on which these processes listen for TCP connections (from {@code /proc}: each process's
     * socket inodes matched against the LISTEN entries of {@code /proc/net/tcp} and {@code tcp6}), as hex
     * {@code ADDRESS:PORT} as the kernel writes them; empty where {@code /proc} is not there.
     */
    static Set<String> listening(List<ProcessHandle> processes) throws IOException {
        Set<String> inodes = new HashSet<>();
        for (ProcessHandle p : processes) {
            Path fd = Path.of("/proc", String.valueOf(p.pid()), "fd");
            if (!Files.isDirectory(fd)) {
                continue;
            }
            try (Stream<Path> fds = Files.list(fd)) {
                for (Path f : fds.toList()) {
                    try {
                        String t = Files.readSymbolicLink(f).toString();
                        if (t.startsWith("socket:[")) {
                            inodes.add(t.substring(8, t.length() - 1));
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            } catch (IOException e) {
                // the process exited meanwhile
            }
        }
        Set<String> out = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            Path t = Path.of(table);
            if (!Files.isRegularFile(t)) {
                continue;
            }
            for (String line : Files.readAllLines(t).subList(1, Files.readAllLines(t).size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[3].equals("0A") && inodes.contains(f[9])) {
                    out.add(f[1]);
                }
            }
        }
        return out;
    }

    /** @return whether a {@code /proc/net/tcp*} local address (hex) is a loopback one */
    static boolean loopback(String hexAddressAndPort) {
        String a = hexAddressAndPort.substring(0, hexAddressAndPort.indexOf(':'));
        return a.equals("0100007F") // 127.0.0.1
                || a.equals("00000000000000000000000001000000") // ::1
                || a.equals("0000000000000000FFFF00000100007F"); // ::ffff:127.0.0.1
    }

    @Override
    public void close() throws InterruptedException {
        List<ProcessHandle> all = processes();
        all.forEach(ProcessHandle::destroy);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                p.destroyForcibly();
            }
        }
    }
}
