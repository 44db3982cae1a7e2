package io.github.hubmapseg.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;

/**
 * A headless Chromium driven over the DevTools protocol on 127.0.0.1 with the JDK's WebSocket client: navigate,
 * evaluate JavaScript (clicks on the page's own elements), wait for a condition, take a screenshot. For tests.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket ws;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private Chromium(Process process, String wsUrl) throws Exception {
        this.process = process;
        StringBuilder buf = new StringBuilder();
        this.ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(wsUrl),
                new WebSocket.Listener() {
                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                        buf.append(data);
                        if (last) {
                            try {
                                JsonNode msg = JSON.readTree(buf.toString());
                                if (msg.has("id")) {
                                    CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
                                    if (f != null) {
                                        f.complete(msg);
                                    }
                                }
                            } catch (IOException e) {
                                // not a message of ours
                            }
                            buf.setLength(0);
                        }
                        w.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
    }

    /** Starts a headless Chromium with a {@code width x height} window and attaches to its page. */
    static Chromium start(Path userData, int width, int height) throws Exception {
        Path exe = io.github.hubmapseg.testkit.ExternalTools.command("chromium", "chromium");
        Process p = new ProcessBuilder(exe.toString(), "--headless=new", "--no-sandbox", "--disable-gpu",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=" + width + "," + height,
                "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
                "--user-data-dir=" + userData, "--no-first-run", "--allow-file-access-from-files", "about:blank")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader err = new BufferedReader(new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8));
        String port = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (String line; port == null && System.nanoTime() < deadline && (line = err.readLine()) != null; ) {
            int i = line.indexOf("DevTools listening on ws://127.0.0.1:");
            if (i >= 0) {
                String rest = line.substring(i + "DevTools listening on ws://127.0.0.1:".length());
                port = rest.substring(0, rest.indexOf('/'));
            }
        }
        if (port == null) {
            p.destroyForcibly();
            throw new IOException("chromium did not report its DevTools port");
        }
        Thread drain = new Thread(() -> {
            try {
                while (err.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                // closed
            }
        });
        drain.setDaemon(true);
        drain.start();
        HttpClient http = HttpClient.newHttpClient();
        String ws = null;
        while (ws == null && System.nanoTime() < deadline) {
            String list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            for (JsonNode t : JSON.readTree(list)) {
                if (t.path("type").asText().equals("page")) {
                    ws = t.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (ws == null) {
                Thread.sleep(100);
            }
        }
        if (ws == null) {
            p.destroyForcibly();
            throw new IOException("chromium has no page target");
        }
        return new Chromium(p, ws);
    }

    /** Sends a DevTools command and waits for its result. */
    JsonNode send(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ws.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        JsonNode r = f.get(60, TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new IOException(method + ": " + r.get("error"));
        }
        return r.get("result");
    }

    /** Navigates and waits until the document has loaded. */
    void navigate(String url) throws Exception {
        ObjectNode p = JSON.createObjectNode();
        p.put("url", url);
        send("Page.navigate", p);
        waitFor("document.readyState === 'complete'", 30);
    }

    /** Evaluates an expression and returns its value (JSON). */
    JsonNode eval(String expression) throws Exception {
        ObjectNode p = JSON.createObjectNode();
        p.put("expression", expression);
        p.put("returnByValue", true);
        JsonNode r = send("Runtime.evaluate", p);
        if (r.has("exceptionDetails")) {
            throw new IOException("JavaScript error in " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /** Polls {@code condition} every 100 ms until it has been true 5 times in a row. */
    void waitFor(String condition, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int ok = 0;
        while (ok < 5) {
            if (System.nanoTime() > deadline) {
                throw new IOException("timed out after " + seconds + " s waiting for " + condition);
            }
            ok = eval("!!(" + condition + ")").asBoolean() ? ok + 1 : 0;
            Thread.sleep(100);
        }
    }

    /** A PNG screenshot of the viewport. */
    BufferedImage screenshot() throws Exception {
        ObjectNode p = JSON.createObjectNode();
        p.put("format", "png");
        byte[] png = Base64.getDecoder().decode(send("Page.captureScreenshot", p).get("data").asText());
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    @Override
    public void close() throws Exception {
        try {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // already gone
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
