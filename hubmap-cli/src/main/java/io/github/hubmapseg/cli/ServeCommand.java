package io.github.hubmapseg.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hubmap serve RUN_DIR}: the run's report over HTTP on 127.0.0.1. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a run's HTML report (RUN_DIR/report, written by 'hubmap report') on http://127.0.0.1:PORT/ "
                + "(loopback only, read-only, GET of files under that folder). Stops with Ctrl-C."})
final class ServeCommand implements Callable<Integer> {

    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js",
            "text/javascript", "css", "text/css", "png", "image/png", "jpeg", "image/jpeg", "jpg", "image/jpeg", "txt",
            "text/plain; charset=utf-8", "json", "application/json", "geojson", "application/geo+json");

    @Parameters(index = "0", paramLabel = "RUN_DIR", description = "Run folder (or a report folder).")
    Path run;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8000",
            description = "TCP port on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Started server (for tests). */
    HttpServer server;
    final CountDownLatch started = new CountDownLatch(1);

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0 .. 65535, got " + port);
        }
        Path root = Files.isRegularFile(run.resolve("report").resolve("index.html")) ? run.resolve("report") : run;
        if (!Files.isRegularFile(root.resolve("index.html"))) {
            throw new NoSuchFileException(run.toString(), null, "no report/index.html; run 'hubmap report " + run + "' first");
        }
        Path base = root.toRealPath();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.createContext("/", ex -> handle(ex, base));
        server.start();
        PrintWriter pw = spec.commandLine().getOut();
        pw.printf(Locale.ROOT, "serving %s on http://127.0.0.1:%d/ (Ctrl-C to stop)%n", base,
                server.getAddress().getPort());
        pw.flush();
        started.countDown();
        new CountDownLatch(1).await();
        return 0;
    }

    private static void handle(HttpExchange ex, Path base) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(405, -1);
                return;
            }
            String path = URI.create(ex.getRequestURI().getRawPath()).getPath();
            if (path.endsWith("/")) {
                path += "index.html";
            }
            Path f = base.resolve(path.substring(1)).normalize();
            if (!f.startsWith(base) || !Files.isRegularFile(f)) {
                byte[] msg = "not found\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.sendResponseHeaders(404, msg.length);
                ex.getResponseBody().write(msg);
                return;
            }
            String name = f.getFileName().toString();
            String ext = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT) : "";
            ex.getResponseHeaders().set("Content-Type", TYPES.getOrDefault(ext, "application/octet-stream"));
            long size = Files.size(f);
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.sendResponseHeaders(200, -1);
                return;
            }
            ex.sendResponseHeaders(200, size);
            try (OutputStream o = ex.getResponseBody()) {
                Files.copy(f, o);
            }
        }
    }
}
