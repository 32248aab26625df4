package io.meshlens.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.query.promql.compliance.PrometheusReference;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.AttributedSeries;
import io.meshlens.testdata.TempFiles;
import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 6's latency target: ten dashboard queries (from {@code dashboards/*.json}), each as an
 * instant query and as 1 h, 6 h and 24 h range queries with the steps Grafana picks for a ~1000 px
 * panel, against Meshlens and against Prometheus 2.42 (Debian's {@code /usr/bin/prometheus}) on the
 * same data ({@link IstioBenchData}), both through their HTTP APIs with the same client.
 *
 * <p>Meshlens is the real service started by Quarkus' test support (the query API on its HTTP port,
 * an SRE bearer token, its durable store under a temporary data directory); the data is appended
 * straight into its {@link MetricStore} (query latency is compared, not ingest). Prometheus runs as
 * its own process with an empty TSDB and receives the same samples through its remote-write
 * receiver, every series' first half hour, then the next, ... so nothing is out of bounds. Both
 * answer {@code POST /api/v1/query} and {@code /api/v1/query_range}; each query is sent once to
 * compare the number of series, then warmed up, then timed alternately against both.
 *
 * <p>Not part of the test suite (its name does not end in Test). Run one scale at a time, under the
 * shared benchmark lock, e.g.
 *
 * <pre>
 * flock /tmp/bench.lock ./mvnw -o -B test -Dtest=PromqlLatencyBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false -DargLine=-Xmx8g \
 *     -Dseries=100000 -Dhours=24 -Dinterval=60
 * </pre>
 *
 * System properties: {@code series} (100000), {@code hours} of history (24), scrape {@code
 * interval} in seconds (60), timed {@code runs} per query and engine (10), {@code warmups} (2),
 * {@code budget} seconds per query, variant and engine after which fewer runs are taken (60; at
 * least 3), {@code queries} (comma-separated numbers, default all), {@code label} (names a section
 * of its own, e.g. for a run with a subset of the queries). Rewrites this scale's (and label's)
 * section of {@code docs/benchmarks/promql-latency.md} and keeps the rest of the file.
 */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
@TestProfile(PromqlLatencyBenchmark.QuietService.class)
public class PromqlLatencyBenchmark {

  /**
   * Nothing else runs in the service: no simulator, rollups, self-metrics or checkpoints. The query
   * warm-up runs, as in production (the test configuration turns it off for the test suite).
   */
  public static final class QuietService implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "meshlens.query.warm-up", "true",
          "meshlens.simulator.enabled", "false",
          "meshlens.self-metrics.enabled", "false",
          "meshlens.alerting.rollup-interval", "24h",
          "meshlens.storage.metrics-checkpoint-interval", "24h",
          "meshlens.storage.metrics-head-window", "3650d",
          "meshlens.storage.metrics-retention", "3650d",
          "meshlens.storage.retention-interval", "24h");
    }
  }

  static final Path RESULTS = Path.of("docs/benchmarks/promql-latency.md");
  private static final String TOKEN = "demo-sre-token";
  public static final long START_MS = Instant.parse("2026-11-02T00:00:00Z").toEpochMilli();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A dashboard query; {@code $W} is replaced by Grafana's {@code $__rate_interval}. */
  public record BenchQuery(String name, String panel, String promql) {}

  public static final List<BenchQuery> QUERIES =
      List.of(
          new BenchQuery(
              "Q1 request rate by service",
              "tenant-overview: Inbound requests per second by service (one tenant)",
              "sum by (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\", tenant=\"tenant-03\", cluster=~\".+\"}[$W]))"),
          new BenchQuery(
              "Q2 error ratio by service",
              "tenant-overview: Error ratio (5xx) by service (one tenant)",
              "(sum by (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\", tenant=\"tenant-03\", cluster=~\".+\", response_code=~\"5..\"}[$W])) or sum by (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\", tenant=\"tenant-03\", cluster=~\".+\"}[$W])) * 0) / sum by (destination_canonical_service) (rate(istio_requests_total{reporter=\"destination\", tenant=\"tenant-03\", cluster=~\".+\"}[$W]))"),
          new BenchQuery(
              "Q3 p95 latency by destination",
              "tenant-overview: Latency by service (one tenant)",
              "histogram_quantile(0.95, sum by (le, destination_canonical_service) (rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\", tenant=\"tenant-03\", cluster=~\".+\"}[$W])))"),
          new BenchQuery(
              "Q4 p99 latency by tenant and cluster",
              "sre-mesh-health: Latency p99 by tenant and cluster (all tenants)",
              "histogram_quantile(0.99, sum by (le, tenant, cluster) (rate(istio_request_duration_milliseconds_bucket{reporter=\"destination\", tenant=~\".+\", cluster=~\".+\"}[$W])))"),
          new BenchQuery(
              "Q5 requests by tenant and cluster, regex",
              "sre-mesh-health: Requests per second by tenant and cluster (clusters east-*)",
              "sum by (tenant, cluster) (rate(istio_requests_total{reporter=\"destination\", tenant=~\".+\", cluster=~\"east-.*\"}[$W]))"),
          new BenchQuery(
              "Q6 topk services",
              "top 10 destination services by request rate (all tenants)",
              "topk(10, sum by (destination_service) (rate(istio_requests_total{reporter=\"destination\"}[$W])))"),
          new BenchQuery(
              "Q7 cross-cluster pairs",
              "cross-cluster-traffic: Cross-cluster requests per second by pair (all tenants)",
              "(sum by (source_cluster, destination_cluster) (rate(istio_requests_total{reporter=\"source\", tenant=~\".+\"}[$W]))) unless on (source_cluster, destination_cluster) label_replace(count by (source_cluster) (istio_requests_total{reporter=\"source\"}), \"destination_cluster\", \"$1\", \"source_cluster\", \"(.*)\")"),
          new BenchQuery(
              "Q8 TCP bytes by tenant",
              "tenant-overview: TCP bytes per second (all tenants)",
              "sum by (tenant) (rate(istio_tcp_sent_bytes_total{reporter=\"destination\", cluster=~\".+\"}[$W]))"),
          new BenchQuery(
              "Q9 mTLS share by cluster",
              "sre-mesh-health: mTLS share of inbound requests by cluster",
              "sum by (cluster) (rate(istio_requests_total{reporter=\"destination\", cluster=~\".+\", connection_security_policy=\"mutual_tls\"}[$W])) / sum by (cluster) (rate(istio_requests_total{reporter=\"destination\", cluster=~\".+\"}[$W]))"),
          new BenchQuery(
              "Q10 calls between services",
              "tenant-overview: Calls between services (last 5 minutes, all tenants)",
              "sum by (source_canonical_service, source_workload_namespace, destination_canonical_service, destination_service_namespace) (rate(istio_requests_total{reporter=\"source\"}[5m]))"));

  /** A way to ask: instant, or a range with Grafana's step for a ~1000 px panel. */
  public record Variant(String name, long rangeMs, long stepMs) {
    public boolean instant() {
      return rangeMs == 0;
    }
  }

  public static final List<Variant> VARIANTS =
      List.of(
          new Variant("instant", 0, 0),
          new Variant("1 h / 15 s", 3_600_000, 15_000),
          new Variant("6 h / 30 s", 6 * 3_600_000, 30_000),
          new Variant("24 h / 2 m", 24 * 3_600_000, 120_000));

  @Inject MetricStore store;

  @TestHTTPResource("/")
  URL meshlensUrl;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  @Test
  void dashboardQueriesAgainstPrometheus() throws Exception {
    int series = Integer.getInteger("series", 100_000);
    int hours = Integer.getInteger("hours", 24);
    int interval = Integer.getInteger("interval", 60);
    int runs = Integer.getInteger("runs", 10);
    int warmups = Integer.getInteger("warmups", 2);
    int budget = Integer.getInteger("budget", 60);
    String only = System.getProperty("queries", "");
    String label = System.getProperty("label", "");
    long stepMs = interval * 1000L;
    int scrapes = (int) (hours * 3600L / interval);
    long endMs = START_MS + (scrapes - 1) * stepMs;

    Optional<Path> prometheus = PrometheusReference.find("prometheus");
    assertThat(prometheus).as(PrometheusReference.INSTALL_HINT).isPresent();
    Path work = Path.of("target", "promql-latency-" + series).toAbsolutePath();
    TempFiles.deleteRecursively(work);
    Files.createDirectories(work);
    double load0 = loadAverage();

    // Meshlens: straight into the service's store.
    long t0 = System.nanoTime();
    int[] ids = new int[series];
    for (int i = 0; i < series; i++) {
      ids[i] = store.seriesId(IstioBenchData.series(i));
    }
    for (int i = 0; i < series; i++) {
      for (int k = 0; k < scrapes; k++) {
        store.append(ids[i], START_MS + k * stepMs, IstioBenchData.value(i, k, interval));
      }
    }
    double meshlensLoadS = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "Meshlens: %,d series, %,d samples appended in %.1f s%n",
        store.seriesCount(),
        store.sampleCount(),
        meshlensLoadS);
    assertThat(store.seriesCount()).isEqualTo(series);

    try (PrometheusReference ref =
        PrometheusReference.startForRemoteWrite(prometheus.get(), work)) {
      t0 = System.nanoTime();
      long sent = remoteWriteAll(ref, series, scrapes, interval);
      double promLoadS = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT, "Prometheus: %,d samples remote-written in %.1f s%n", sent, promLoadS);
      t0 = System.nanoTime();
      String settled = awaitSettled(ref, series);
      double settleS = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "Prometheus settled after %.0f s: %s%n", settleS, settled);
      System.gc();

      String base = meshlensUrl.toString().replaceAll("/$", "");
      List<Row> rows = new ArrayList<>();
      double loadBefore = loadAverage();
      long m0 = System.nanoTime();
      for (int q = 0; q < QUERIES.size(); q++) {
        if (!only.isEmpty() && !Arrays.asList(only.split(",")).contains(Integer.toString(q + 1))) {
          continue;
        }
        BenchQuery bq = QUERIES.get(q);
        for (Variant v : VARIANTS) {
          String promql = bq.promql().replace("$W", duration(rateInterval(v, stepMs)));
          Request req = request(promql, v, endMs);
          rows.add(measure(bq, v, req, ref.baseUrl(), base, runs, warmups, budget));
        }
      }
      double measureS = (System.nanoTime() - m0) / 1e9;
      double loadAfter = loadAverage();
      String version = ref.version();
      long promRss = rssKb(ref.pid());
      Runtime rt = Runtime.getRuntime();
      System.gc();
      long heapUsed = (rt.totalMemory() - rt.freeMemory()) >> 20;
      String section =
          section(
              series,
              label,
              hours,
              interval,
              scrapes,
              version,
              meshlensLoadS,
              sent,
              promLoadS,
              settleS,
              settled,
              load0,
              loadBefore,
              loadAfter,
              measureS,
              promRss,
              heapUsed,
              runs,
              warmups,
              budget,
              rows);
      writeSection(series + (label.isEmpty() ? "" : " " + label), section);
      System.out.print(section);
    }
  }

  // ------------------------------------------------------------------------------ loading

  /**
   * Sends every series' samples to Prometheus, half an hour of every series at a time (the head
   * accepts samples up to an hour behind its newest), 2,000 series per request, two requests in
   * flight.
   */
  public static long remoteWriteAll(PrometheusReference ref, int series, int scrapes, int interval)
      throws Exception {
    int perWindow = Math.max(1, 1800 / interval);
    int batch = Integer.getInteger("batch", 2_000);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    long sent = 0;
    try {
      for (int k0 = 0; k0 < scrapes; k0 += perWindow) {
        int from = k0;
        int to = Math.min(scrapes, k0 + perWindow);
        List<Future<?>> window = new ArrayList<>();
        for (int s0 = 0; s0 < series; s0 += batch) {
          int first = s0;
          int last = Math.min(series, s0 + batch);
          window.add(
              pool.submit(
                  () -> {
                    RemoteWriteRequest w = new RemoteWriteRequest();
                    long[] ts = new long[to - from];
                    double[] vs = new double[to - from];
                    for (int i = first; i < last; i++) {
                      AttributedSeries s = IstioBenchData.series(i);
                      for (int k = from; k < to; k++) {
                        ts[k - from] = START_MS + k * interval * 1000L;
                        vs[k - from] = IstioBenchData.value(i, k, interval);
                      }
                      w.add(s.labels(), ts, vs, to - from);
                    }
                    ref.remoteWrite(w.compressed());
                    return null;
                  }));
        }
        for (Future<?> f : window) {
          f.get();
        }
        sent += (long) series * (to - from);
        if ((k0 / perWindow) % 8 == 0) {
          System.out.printf(Locale.ROOT, "Prometheus: %,d of %,d scrapes written%n", to, scrapes);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return sent;
  }

  /**
   * Waits until Prometheus holds every series and its compactions (head to blocks, blocks into
   * larger ones) have stopped for 90 s, so that none runs while queries are timed.
   */
  private String awaitSettled(PrometheusReference ref, int series) throws Exception {
    long lastChange = System.nanoTime();
    String last = "";
    long deadline = System.nanoTime() + Duration.ofMinutes(30).toNanos();
    while (System.nanoTime() < deadline) {
      String metrics =
          http.send(
                  HttpRequest.newBuilder(URI.create(ref.baseUrl() + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      String now =
          "head series "
              + metric(metrics, "prometheus_tsdb_head_series")
              + ", blocks "
              + metric(metrics, "prometheus_tsdb_blocks_loaded")
              + ", compactions "
              + metric(metrics, "prometheus_tsdb_compactions_total")
              + ", head chunks "
              + metric(metrics, "prometheus_tsdb_head_chunks");
      if (!now.equals(last)) {
        last = now;
        lastChange = System.nanoTime();
      } else if (System.nanoTime() - lastChange > Duration.ofSeconds(90).toNanos()
          && metric(metrics, "prometheus_tsdb_head_series") >= series) {
        return now;
      }
      Thread.sleep(5_000);
    }
    return last + " (not settled after 30 min)";
  }

  private static long metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.e+]+)$").matcher(text);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  // ------------------------------------------------------------------------------ measuring

  /** Grafana's {@code $__rate_interval}: max(step + scrape interval, 4 scrape intervals). */
  public static long rateInterval(Variant v, long scrapeMs) {
    return Math.max(v.stepMs() + scrapeMs, 4 * scrapeMs);
  }

  public static String duration(long ms) {
    long s = ms / 1000;
    return s % 60 == 0 ? s / 60 + "m" : s + "s";
  }

  record Request(String path, String form, String promql, long endMs) {}

  /** The form Grafana sends: instant at the newest sample, ranges ending there, step-aligned. */
  static Request request(String promql, Variant v, long endMs) {
    String q = "query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8);
    if (v.instant()) {
      return new Request("/api/v1/query", q + "&time=" + seconds(endMs), promql, endMs);
    }
    long end = Math.floorDiv(endMs, v.stepMs()) * v.stepMs();
    long start = end - v.rangeMs();
    return new Request(
        "/api/v1/query_range",
        q + "&start=" + seconds(start) + "&end=" + seconds(end) + "&step=" + seconds(v.stepMs()),
        promql,
        end);
  }

  static String seconds(long ms) {
    return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString();
  }

  record Timed(double ms, String body) {}

  private Timed post(String base, Request r, boolean token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + r.path()))
            .timeout(Duration.ofMinutes(5))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(r.form()));
    if (token) {
      b.header("Authorization", "Bearer " + TOKEN);
    }
    HttpRequest req = b.build();
    long t = System.nanoTime();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    double ms = (System.nanoTime() - t) / 1e6;
    // Errors come with the API's JSON error body (status, errorType, error).
    return new Timed(ms, resp.body());
  }

  record Row(
      BenchQuery query,
      Variant variant,
      String promql,
      String promSeries,
      String meshSeries,
      long points,
      double[] prom,
      double[] mesh) {}

  private Row measure(
      BenchQuery bq,
      Variant v,
      Request req,
      String promBase,
      String meshBase,
      int runs,
      int warmups,
      int budgetS)
      throws Exception {
    Timed p = post(promBase, req, false);
    Timed m = post(meshBase, req, true);
    String ps = seriesCount(p.body());
    String ms = seriesCount(m.body());
    long points = points(p.body());
    for (int i = 1; i < warmups; i++) {
      post(promBase, req, false);
      post(meshBase, req, true);
    }
    List<Double> pt = new ArrayList<>();
    List<Double> mt = new ArrayList<>();
    double pSum = 0;
    double mSum = 0;
    for (int i = 0; i < runs; i++) {
      // Alternating, so that a busy moment of the shared machine hits both alike.
      Timed a = post(promBase, req, false);
      Timed b = post(meshBase, req, true);
      pt.add(a.ms());
      mt.add(b.ms());
      pSum += a.ms();
      mSum += b.ms();
      if (i >= 2 && (pSum > budgetS * 1000.0 || mSum > budgetS * 1000.0)) {
        break;
      }
    }
    Row row =
        new Row(
            bq,
            v,
            req.promql(),
            ps,
            ms,
            points,
            pt.stream().mapToDouble(Double::doubleValue).sorted().toArray(),
            mt.stream().mapToDouble(Double::doubleValue).sorted().toArray());
    System.out.printf(
        Locale.ROOT,
        "%s, %s: Prometheus p50 %.1f ms (%s series), Meshlens p50 %.1f ms (%s series), %d runs%n",
        bq.name(),
        v.name(),
        pct(row.prom(), 0.5),
        ps,
        pct(row.mesh(), 0.5),
        ms,
        pt.size());
    return row;
  }

  /** The number of series in a result, or the error it answered. */
  static String seriesCount(String body) throws IOException {
    JsonNode n = JSON.readTree(body);
    if (!"success".equals(n.path("status").asText())) {
      return "error: " + n.path("errorType").asText() + " " + n.path("error").asText();
    }
    JsonNode result = n.path("data").path("result");
    return result.isArray() ? Integer.toString(result.size()) : "1";
  }

  static long points(String body) throws IOException {
    JsonNode result = JSON.readTree(body).path("data").path("result");
    long points = 0;
    for (JsonNode s : result) {
      points += s.has("values") ? s.get("values").size() : 1;
    }
    return points;
  }

  static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.ceil(p * sorted.length) - 1];
  }

  // ------------------------------------------------------------------------------ report

  private static String section(
      int series,
      String label,
      int hours,
      int interval,
      int scrapes,
      String version,
      double meshlensLoadS,
      long sent,
      double promLoadS,
      double settleS,
      String settled,
      double load0,
      double loadBefore,
      double loadAfter,
      double measureS,
      long promRssKb,
      long heapUsedMb,
      int runs,
      int warmups,
      int budget,
      List<Row> rows) {
    StringBuilder md = new StringBuilder();
    md.append(
        String.format(
            Locale.ROOT, "## %,d series%s%n%n", series, label.isEmpty() ? "" : ", " + label));
    md.append(
        String.format(
            Locale.ROOT,
            "- date: %s; machine: %s, %d cores, %s, %s, max heap %,d MB%n"
                + "- load average: %.2f before loading, %.2f before the timed queries, %.2f after"
                + " them (the machine is shared)%n"
                + "- reference: Prometheus %s, Debian package, default flags plus"
                + " `--web.enable-remote-write-receiver`%n"
                + "- data: %,d series (%d tenants, 3 clusters, %d-series Istio units:"
                + " requests_total, 20 duration buckets, _sum, _count, tcp sent/received bytes),"
                + " %d h of %d s scrapes = %,d samples per series, %,d samples in all%n"
                + "- load: Meshlens %.1f s (`MetricStore.seriesId` + `append` in the service's store, one"
                + " thread); Prometheus %.1f s through remote write (%,.0f samples/s; 2,000 series"
                + " per request, 2 in flight), then %.0f s until its compactions stopped (%s)%n"
                + "- memory after the runs: Prometheus RSS %,d MB; Meshlens JVM heap in use %,d MB"
                + " (the benchmark's client and the Kafka broker of the test harness share it)%n"
                + "- runs: first answer of each compared (series count), %d warm-up, then up to %d"
                + " timed runs alternating between the two (fewer when a query's runs passed %d s;"
                + " at least 3); p99 of so few runs is their maximum; timed phase %.0f s%n%n",
            Instant.now(),
            cpuModel(),
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("os.name") + " " + System.getProperty("os.arch"),
            System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
            Runtime.getRuntime().maxMemory() >> 20,
            load0,
            loadBefore,
            loadAfter,
            version,
            series,
            IstioBenchData.TENANTS,
            IstioBenchData.UNIT,
            hours,
            interval,
            scrapes,
            (long) series * scrapes,
            meshlensLoadS,
            promLoadS,
            sent / promLoadS,
            settleS,
            settled,
            promRssKb >> 10,
            heapUsedMb,
            warmups,
            runs,
            budget,
            measureS));
    md.append(
        "| query | variant | series (P / M) | points | Prometheus p50 ms | p99 ms | Meshlens"
            + " p50 ms | p99 ms | M/P p50 | runs |\n"
            + "|---|---|---|---|---|---|---|---|---|---|\n");
    int worse = 0;
    int total = 0;
    double worst = 0;
    String worstName = "";
    for (Row r : rows) {
      double pp = pct(r.prom(), 0.5);
      double mp = pct(r.mesh(), 0.5);
      double ratio = mp / pp;
      total++;
      if (ratio > 1) {
        worse++;
      }
      if (ratio > worst) {
        worst = ratio;
        worstName = r.query().name() + ", " + r.variant().name();
      }
      boolean same = r.promSeries().equals(r.meshSeries());
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %,d | %.1f | %.1f | %.1f | %.1f | %s | %d |%n",
              r.query().name(),
              r.variant().name(),
              same ? r.promSeries() : "**" + r.promSeries() + " / " + r.meshSeries() + "**",
              r.points(),
              pp,
              pct(r.prom(), 0.99),
              mp,
              pct(r.mesh(), 0.99),
              ratio > 1
                  ? String.format(Locale.ROOT, "**%.2f**", ratio)
                  : String.format(Locale.ROOT, "%.2f", ratio),
              r.prom().length));
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%nMeshlens' median is at or below Prometheus' for %d of %d query variants; worst"
                + " ratio %.2f (%s).%n%n",
            total - worse,
            total,
            worst,
            worstName));
    return md.toString();
  }

  private static final String HEADER =
      "# PromQL latency: Meshlens against Prometheus 2.42\n\n"
          + "<!-- The scale sections are written by src/test/java/io/meshlens/bench/"
          + "PromqlLatencyBenchmark.java (command in its Javadoc), one per run; the rest of the"
          + " file is kept. -->\n\n";

  /** Replaces (or adds) this scale's section, keeping the other scales and any other text. */
  static void writeSection(String scale, String section) throws IOException {
    String begin = "<!-- scale " + scale + " begin -->\n";
    String end = "<!-- scale " + scale + " end -->\n";
    String text = Files.exists(RESULTS) ? Files.readString(RESULTS) : HEADER;
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    String block = begin + section + end;
    if (b >= 0 && e > b) {
      text = text.substring(0, b) + block + text.substring(e + end.length());
    } else {
      int analysis = text.indexOf("\n## Where the time goes");
      text =
          analysis >= 0
              ? text.substring(0, analysis + 1) + block + "\n" + text.substring(analysis + 1)
              : text + block + "\n";
    }
    Files.createDirectories(RESULTS.getParent());
    Files.writeString(RESULTS, text);
  }

  // ------------------------------------------------------------------------------ machine

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }

  private static long rssKb(long pid) {
    try {
      return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
          .filter(l -> l.startsWith("VmRSS:"))
          .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
          .findFirst()
          .orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }
}
