package io.meshlens.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus (Debian's {@code prometheus} package, found on PATH or in /usr/bin) on a free
 * loopback port, scraping one target as job {@code meshlens} and evaluating one rule file, with its
 * TSDB in a temporary directory. Tests fail (not skip) when the program is missing: CI installs it
 * ({@code .ci/run}).
 */
public final class PrometheusServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final String base;
  private final Path log;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(Process process, int port, Path log) {
    this.process = process;
    this.base = "http://127.0.0.1:" + port;
    this.log = log;
  }

  /** The path of {@code program} on PATH or in /usr/bin; fails the test when there is none. */
  public static Path program(String program) {
    String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Path.of(dir, program);
      }
    }
    throw new AssertionError(
        program
            + " not found: apt-get install -y --no-install-recommends prometheus"
            + " (.ci/run installs it)");
  }

  /**
   * Starts Prometheus scraping {@code target} ({@code host:port}, path {@code /metrics}) and
   * evaluating {@code rules} every {@code interval}; waits until it is ready.
   */
  public static PrometheusServer start(Path workDir, String target, String interval, String rules)
      throws IOException, InterruptedException {
    Files.writeString(workDir.resolve("rules.yaml"), rules);
    Files.writeString(
        workDir.resolve("prometheus.yml"),
        String.join(
            "\n",
            "global:",
            "  scrape_interval: " + interval,
            "  evaluation_interval: " + interval,
            "rule_files: [rules.yaml]",
            "scrape_configs:",
            "  - job_name: meshlens",
            // As kubernetes/servicemonitor.yaml: the rollups' own tenant and cluster labels stay.
            "    honor_labels: true",
            "    static_configs:",
            "      - targets: ['" + target + "']",
            ""));
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path log = workDir.resolve("prometheus.log");
    Process p =
        new ProcessBuilder(
                program("prometheus").toString(),
                "--config.file=" + workDir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + workDir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    PrometheusServer server = new PrometheusServer(p, port, log);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("prometheus exited:\n" + Files.readString(log));
      }
      if (server.ready()) {
        return server;
      }
      Thread.sleep(200);
    }
    server.close();
    throw new IllegalStateException("prometheus not ready after 60 s:\n" + Files.readString(log));
  }

  private boolean ready() throws InterruptedException {
    try {
      return http.send(
                  HttpRequest.newBuilder(URI.create(base + "/-/ready")).build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    }
  }

  /** GET {@code path} (with query string); the body of a 200 answer. */
  public String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET %s: %s", path, r.body()).isEqualTo(200);
    return r.body();
  }

  /** The first sample's value of an instant query, or empty when the result is empty. */
  public Optional<Double> value(String promql) throws IOException, InterruptedException {
    JsonNode result =
        JSON.readTree(
                get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
            .path("data")
            .path("result");
    if (result.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Double.parseDouble(result.get(0).path("value").get(1).asText()));
  }

  /** {@link #value}, or -1 when the result is empty. */
  public double query(String promql) throws IOException, InterruptedException {
    return value(promql).orElse(-1.0);
  }

  /** Prometheus' own log so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
