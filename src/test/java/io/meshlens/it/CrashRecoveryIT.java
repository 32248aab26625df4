package io.meshlens.it;

import static io.meshlens.testing.OtlpMetrics.attr;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.testdata.RealData;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 4's durability proof, against the packaged application in its own process: Meshlens ingests
 * metrics, spans and access logs from a real broker, is killed with SIGKILL in the middle of it,
 * restarts on the same data directory, and then holds every record the broker acknowledged exactly
 * once: checked through the query API, and in the stores' files after a clean stop.
 */
class CrashRecoveryIT {

  private static final int RECORDS = 1_500; // per signal
  private static final int SERIES_PER_RECORD = 10;
  private static final int PODS = 5;
  private static final long STEP_MS = 1_000;
  private static final String TOKEN = "demo-sre-token";

  private static EmbeddedKafkaBroker broker;
  private static Path dataDir;
  private static Path logFile;
  private static int httpPort;
  private static int managementPort;
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void startBroker() throws Exception {
    broker =
        new EmbeddedKafkaBroker()
            .withKafkaHost("127.0.0.1")
            .withKafkaPort(0)
            .withAdditionalProperties(p -> p.put("num.partitions", "3"))
            .start();
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap()))) {
      admin
          .createTopics(
              List.of(
                  new NewTopic("otlp_metrics", 3, (short) 1),
                  new NewTopic("otlp_spans", 3, (short) 1),
                  new NewTopic("otlp_logs", 3, (short) 1),
                  new NewTopic("istio_access_logs", 3, (short) 1),
                  new NewTopic("meshlens.deadletter", 1, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
    dataDir = Files.createTempDirectory("meshlens-crash");
    logFile = dataDir.resolve("meshlens.log");
    httpPort = freePort();
    managementPort = freePort();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  private static String bootstrap() {
    String l = broker.getAdvertisedListeners().split(",")[0];
    return l.substring(l.indexOf("://") + 3);
  }

  @Test
  void everyAcknowledgedRecordIsStoredExactlyOnceAcrossASigkill() throws Exception {
    long base = (Instant.now().toEpochMilli() / 60_000) * 60_000 - RECORDS * STEP_MS - 60_000;
    AtomicInteger acked = new AtomicInteger();
    AtomicReference<Exception> sendFailure = new AtomicReference<>();

    Process first = startMeshlens();
    awaitReady(first);
    long killedAt;
    try (KafkaProducer<byte[], byte[]> producer = producer()) {
      // About 15 s of steady traffic on three signals; SIGKILL lands in the middle of it, with
      // several checkpoints behind it and a partly written interval in memory.
      for (int i = 0; i < RECORDS; i++) {
        // Metrics keyed by resource (the Collector's partition_metrics_by_resource_attributes), so
        // each series stays in one partition; spans and logs without a key.
        byte[] pod = ("probe-" + i % PODS).getBytes(StandardCharsets.UTF_8);
        send(producer, "otlp_metrics", pod, metricsRecord(base, i), acked, sendFailure);
        send(producer, "otlp_spans", null, spanRecord(base, i), acked, sendFailure);
        send(producer, "istio_access_logs", null, accessLogRecord(base, i), acked, sendFailure);
        if (i == RECORDS / 2) {
          producer.flush();
          first.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no final checkpoint
          assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
          assertThat(first.exitValue()).isEqualTo(137);
        }
        if (i % 100 == 0) {
          Thread.sleep(1_000);
        }
      }
      producer.flush();
      killedAt = System.nanoTime();
    }
    assertThat(sendFailure.get()).isNull();
    assertThat(acked.get()).isEqualTo(3 * RECORDS);

    long restartNanos = System.nanoTime();
    Process second = startMeshlens();
    try {
      awaitReady(second);
      long readyMs = (System.nanoTime() - restartNanos) / 1_000_000;
      long end = base + RECORDS * STEP_MS + 1_000;
      String count = "sum(count_over_time(crash_probe[1d]))";
      double expected = (double) RECORDS * SERIES_PER_RECORD;
      double seen = awaitScalar(count, end, expected, Duration.ofSeconds(120));
      long caughtUpMs = (System.nanoTime() - restartNanos) / 1_000_000;
      String replayed =
          scrape()
              .lines()
              .filter(l -> l.startsWith("meshlens_discarded_total{") && l.contains("duplicate"))
              .findFirst()
              .orElse("no duplicates");
      System.out.printf(
          "crash recovery: ready %d ms after restart, all data back after %d ms (%d ms after the"
              + " last send); replayed samples already stored: %s%n",
          readyMs, caughtUpMs, (System.nanoTime() - killedAt) / 1_000_000, replayed);
      assertThat(seen).isEqualTo(expected);
      // Each value i is stored once per series: a duplicate or a loss would change the sum.
      double sumOfValues = (double) RECORDS * (RECORDS - 1) / 2 * SERIES_PER_RECORD;
      assertThat(queryScalar("sum(sum_over_time(crash_probe[1d]))", end)).isEqualTo(sumOfValues);
      // The spans and logs stores must also have caught up before the clean stop below.
      awaitNoLag(List.of("otlp_spans", "istio_access_logs"));
    } finally {
      second.destroy(); // SIGTERM: a clean stop
      assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    // The files, read directly: every series has exactly one sample per record of its pod.
    try (MetricStore metrics = MetricStore.open(dataDir.resolve("metrics"), Duration.ofHours(2))) {
      List<SeriesData> series =
          metrics.select(
              Scope.everything(),
              List.of(LabelMatcher.equal("__name__", "crash_probe")),
              0,
              Long.MAX_VALUE);
      assertThat(series).hasSize(PODS * SERIES_PER_RECORD);
      for (SeriesData s : series) {
        int pod = Integer.parseInt(s.labels().get("k8s_pod_name").substring("probe-".length()));
        assertThat(s.size()).isEqualTo(RECORDS / PODS);
        for (int j = 0; j < RECORDS / PODS; j++) {
          int i = pod + j * PODS;
          assertThat(s.timestamps()[j]).isEqualTo(base + i * STEP_MS);
          assertThat(s.values()[j]).isEqualTo(i);
        }
      }
    }
    try (SpanStore spans = new SpanStore(dataDir.resolve("spans"))) {
      assertThat(spans.count(Scope.everything())).isEqualTo(RECORDS);
    }
    try (AccessLogStore logs = new AccessLogStore(dataDir.resolve("logs"))) {
      assertThat(logs.count(Scope.everything())).isEqualTo(RECORDS);
    }
  }

  // ------------------------------------------------------------------------------ the process

  private static Process startMeshlens() throws IOException {
    Path jar = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
    assertThat(jar).exists();
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        List.of(
            java,
            "-Xmx768m",
            "-Dkafka.bootstrap.servers=" + bootstrap(),
            "-Dmeshlens.data-dir=" + dataDir,
            "-Dmeshlens.tenants-file=" + Path.of("config/tenants.yaml").toAbsolutePath(),
            "-Dmeshlens.tokens-file=" + Path.of("config/tokens.yaml").toAbsolutePath(),
            "-Dmeshlens.storage.metrics-checkpoint-interval=2s",
            "-Dquarkus.http.port=" + httpPort,
            "-Dquarkus.management.port=" + managementPort,
            "-Dquarkus.http.host=127.0.0.1",
            "-Dquarkus.management.host=127.0.0.1",
            "-jar",
            jar.toString());
    return new ProcessBuilder(cmd)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
  }

  private static void awaitReady(Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new AssertionError("Meshlens exited with " + p.exitValue() + "\n" + log());
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new AssertionError("Meshlens not ready within 90 s\n" + log());
  }

  /** Waits until the consumers of {@code topics} have no lag left (Meshlens' own /metrics). */
  private static void awaitNoLag(List<String> topics) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      String metrics =
          HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      List<String> lag =
          metrics.lines().filter(l -> l.startsWith("meshlens_kafka_consumer_lag{")).toList();
      boolean caughtUp = lag.stream().allMatch(l -> l.endsWith(" 0.0") || l.endsWith(" 0"));
      boolean sawAll =
          topics.stream().allMatch(t -> lag.stream().anyMatch(l -> l.contains("\"" + t + "\"")));
      if (caughtUp && sawAll) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("consumers still lagging after 60 s\n" + log());
  }

  private static String scrape() throws Exception {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/metrics"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static String log() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  // ------------------------------------------------------------------------------ queries

  private static double queryScalar(String promql, long timeMs) throws Exception {
    String url =
        "http://127.0.0.1:"
            + httpPort
            + "/api/v1/query?query="
            + URLEncoder.encode(promql, StandardCharsets.UTF_8)
            + "&time="
            + (timeMs / 1000.0);
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode result = JSON.readTree(r.body()).path("data").path("result");
    return result.isEmpty() ? 0 : Double.parseDouble(result.get(0).path("value").get(1).asText());
  }

  private static double awaitScalar(String promql, long timeMs, double want, Duration within)
      throws Exception {
    long deadline = System.nanoTime() + within.toNanos();
    double last = Double.NaN;
    while (System.nanoTime() < deadline) {
      last = queryScalar(promql, timeMs);
      if (last >= want) {
        return last;
      }
      Thread.sleep(250);
    }
    return last;
  }

  // ------------------------------------------------------------------------------ records

  private static KafkaProducer<byte[], byte[]> producer() {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static void send(
      KafkaProducer<byte[], byte[]> producer,
      String topic,
      byte[] key,
      byte[] value,
      AtomicInteger acked,
      AtomicReference<Exception> failure) {
    producer.send(
        new ProducerRecord<>(topic, key, value),
        (md, e) -> {
          if (e == null) {
            acked.incrementAndGet();
          } else {
            failure.compareAndSet(null, e);
          }
        });
  }

  /** {@value #SERIES_PER_RECORD} gauge series of pod i % 5, each with value i at base + i s. */
  private static byte[] metricsRecord(long base, int i) {
    Metric.Builder m = Metric.newBuilder().setName("crash_probe");
    Gauge.Builder g = Gauge.newBuilder();
    for (int s = 0; s < SERIES_PER_RECORD; s++) {
      g.addDataPoints(
          NumberDataPoint.newBuilder()
              .setTimeUnixNano((base + i * STEP_MS) * 1_000_000L)
              .setAsDouble(i)
              .addAttributes(attr("probe", Integer.toString(s))));
    }
    m.setGauge(g);
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(attr("k8s.cluster.name", "east-1"))
                        .addAttributes(attr("k8s.namespace.name", "shop"))
                        .addAttributes(attr("k8s.pod.name", "probe-" + i % PODS)))
                .addScopeMetrics(ScopeMetrics.newBuilder().addMetrics(m)))
        .build()
        .toByteArray();
  }

  private static byte[] spanRecord(long base, int i) {
    ByteBuffer trace = ByteBuffer.allocate(16).putLong(0xC0FFEEL).putLong(i);
    ByteBuffer span = ByteBuffer.allocate(8).putLong(1_000_000L + i);
    long startNanos = (base + i * STEP_MS) * 1_000_000L;
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(attr("service.name", "cart.shop"))
                        .addAttributes(attr("k8s.namespace.name", "shop"))
                        .addAttributes(attr("k8s.cluster.name", "east-1")))
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .addSpans(
                            Span.newBuilder()
                                .setTraceId(ByteString.copyFrom(trace.array()))
                                .setSpanId(ByteString.copyFrom(span.array()))
                                .setName("GET /cart")
                                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                                .setStartTimeUnixNano(startNanos)
                                .setEndTimeUnixNano(startNanos + 3_000_000L))))
        .build()
        .toByteArray();
  }

  private static final List<String> REAL_LINES =
      RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().toList();

  /** A real Istio JSON access log line with its own request id and start time. */
  private static byte[] accessLogRecord(long base, int i) {
    try {
      ObjectNode line = (ObjectNode) JSON.readTree(REAL_LINES.get(i % REAL_LINES.size()));
      line.put("request_id", "crash-" + i);
      line.put("start_time", Instant.ofEpochMilli(base + i * STEP_MS).toString());
      line.put("upstream_cluster", "inbound|8080||");
      ObjectNode wrapped = JSON.createObjectNode();
      wrapped.set("log", JSON.getNodeFactory().textNode(line.toString()));
      ObjectNode k8s = wrapped.putObject("kubernetes");
      k8s.put("namespace_name", "shop");
      k8s.put("pod_name", "cart-0");
      k8s.put("container_name", "istio-proxy");
      return wrapped.toString().getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
