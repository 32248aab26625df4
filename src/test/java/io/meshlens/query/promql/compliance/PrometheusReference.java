package io.meshlens.query.promql.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, 2.42) holding a TSDB block made
 * with {@code promtool tsdb create-blocks-from openmetrics} (or an empty TSDB fed through its
 * remote-write receiver), on a free loopback port, asked through its HTTP API.
 */
public final class PrometheusReference implements AutoCloseable {

  public static final String INSTALL_HINT =
      "install the Debian package: apt-get install -y --no-install-recommends prometheus"
          + " (gives /usr/bin/prometheus 2.42 and /usr/bin/promtool; .ci/run installs it)";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final String base;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Stops the server if the test JVM exits without closing it. */
  private final Thread stopOnExit;

  private PrometheusReference(Process process, int port) {
    this.process = process;
    this.base = "http://127.0.0.1:" + port;
    this.stopOnExit = new Thread(process::destroyForcibly, "stop-prometheus");
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /** The path of {@code program} on PATH (or in /usr/bin), or empty. */
  public static Optional<Path> find(String program) {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path p = Path.of(dir, program);
      if (Files.isExecutable(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /**
   * Builds a TSDB from {@code openMetrics} under {@code workDir} and starts Prometheus on it; waits
   * until {@code /-/ready}.
   */
  static PrometheusReference start(Path prometheus, Path promtool, Path openMetrics, Path workDir)
      throws IOException, InterruptedException {
    Path tsdb = workDir.resolve("tsdb");
    Files.createDirectories(tsdb);
    Path promtoolLog = workDir.resolve("promtool.log");
    Process p =
        new ProcessBuilder(
                promtool.toString(),
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                openMetrics.toString(),
                tsdb.toString())
            .redirectErrorStream(true)
            .redirectOutput(promtoolLog.toFile())
            .start();
    if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(
          "promtool tsdb create-blocks-from openmetrics failed:\n" + Files.readString(promtoolLog));
    }
    return serve(prometheus, tsdb, workDir, List.of());
  }

  /**
   * Starts Prometheus on an empty TSDB under {@code workDir} with its remote-write receiver on
   * ({@code --web.enable-remote-write-receiver}, {@link #remoteWrite}); waits until {@code
   * /-/ready}.
   */
  public static PrometheusReference startForRemoteWrite(Path prometheus, Path workDir)
      throws IOException, InterruptedException {
    Path tsdb = workDir.resolve("tsdb");
    Files.createDirectories(tsdb);
    return serve(prometheus, tsdb, workDir, List.of("--web.enable-remote-write-receiver"));
  }

  private static PrometheusReference serve(
      Path prometheus, Path tsdb, Path workDir, List<String> extraFlags)
      throws IOException, InterruptedException {
    Path config = workDir.resolve("prometheus.yml");
    Files.writeString(config, "# No scrapes: the data comes from the TSDB block.\n");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = workDir.resolve("prometheus.log");
    List<String> command = new ArrayList<>();
    command.add(prometheus.toString());
    command.add("--config.file=" + config);
    command.add("--storage.tsdb.path=" + tsdb);
    command.add("--storage.tsdb.retention.time=100y");
    command.add("--web.listen-address=127.0.0.1:" + port);
    command.addAll(extraFlags);
    Process server =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    PrometheusReference ref = new PrometheusReference(server, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      if (!server.isAlive()) {
        throw new IllegalStateException(
            "prometheus exited with " + server.exitValue() + ":\n" + Files.readString(log));
      }
      if (ref.ready()) {
        return ref;
      }
      if (System.nanoTime() > deadline) {
        ref.close();
        throw new IllegalStateException(
            "prometheus not ready after 60 s:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  private boolean ready() throws InterruptedException {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/-/ready"))
                  .timeout(Duration.ofSeconds(2))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String baseUrl() {
    return base;
  }

  /** The server process' id (for its resident memory). */
  public long pid() {
    return process.pid();
  }

  /**
   * Sends one snappy-compressed remote-write {@code WriteRequest}; fails unless Prometheus answers
   * 2xx.
   */
  public void remoteWrite(byte[] snappyWriteRequest) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/write"))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/x-protobuf")
                .header("Content-Encoding", "snappy")
                .header("X-Prometheus-Remote-Write-Version", "0.1.0")
                .POST(HttpRequest.BodyPublishers.ofByteArray(snappyWriteRequest))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IOException("remote write answered " + r.statusCode() + ": " + r.body());
    }
  }

  /** The server's version, from {@code /api/v1/status/buildinfo}. */
  public String version() throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/api/v1/status/buildinfo")).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode d = JSON.readTree(r.body()).get("data");
    return d.get("version").asText() + " (revision " + d.get("revision").asText() + ")";
  }

  /** The response body of {@code /api/v1/query}, errors included. */
  JsonNode instantQuery(String query, long timeMs) throws IOException, InterruptedException {
    return post("/api/v1/query", Map.of("query", query, "time", seconds(timeMs)));
  }

  /** The response body of {@code /api/v1/query_range}, errors included. */
  JsonNode rangeQuery(String query, long startMs, long endMs, long stepMs)
      throws IOException, InterruptedException {
    return post(
        "/api/v1/query_range",
        Map.of(
            "query",
            query,
            "start",
            seconds(startMs),
            "end",
            seconds(endMs),
            "step",
            seconds(stepMs)));
  }

  static String seconds(long ms) {
    return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString();
  }

  private JsonNode post(String path, Map<String, String> params)
      throws IOException, InterruptedException {
    StringJoiner form = new StringJoiner("&");
    for (String k : List.of("query", "time", "start", "end", "step")) {
      if (params.containsKey(k)) {
        form.add(k + "=" + URLEncoder.encode(params.get(k), StandardCharsets.UTF_8));
      }
    }
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  @Override
  public void close() throws InterruptedException {
    Runtime.getRuntime().removeShutdownHook(stopOnExit);
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }
}
