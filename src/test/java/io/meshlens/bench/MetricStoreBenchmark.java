package io.meshlens.bench;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.tenancy.AttributedSeries;
import io.meshlens.testdata.TempFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Issue 4's storage targets measured on the real, durable {@link MetricStore}: 100,000 Istio-shaped
 * series with 6 hours of 15 s samples bulk-loaded through {@code append} and {@code checkpoint}
 * (hourly), 900,000 more series in the index with one sample each (1M in all), 20 tenants. Then:
 * heap per series, disk bytes per sample, the selection behind a typical panel (one metric, one
 * tenant, 1 h) from the head and from disk, a PromQL panel query, and a restart (open + first
 * panel).
 *
 * <p>Run (about 10 minutes, needs ~6 GB heap and ~1 GB under target/):
 *
 * <pre>
 * ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/bench.cp
 * java -Xmx7g -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
 *     -cp target/test-classes:target/classes:$(cat target/bench.cp) \
 *     io.meshlens.bench.MetricStoreBenchmark
 * </pre>
 *
 * Writes {@code docs/benchmarks/metric-store-results.md}. System properties: {@code -Dseries=100000
 * -DindexOnly=900000 -Dhours=6}.
 */
public final class MetricStoreBenchmark {

  private static final long STEP = 15_000;
  private static final int TENANTS = 20;
  private static final String[] CODES = {"200", "200", "200", "201", "404", "503"};
  private static final String[] LE = {
    "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
    "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf"
  };

  private MetricStoreBenchmark() {}

  public static void main(String[] args) throws Exception {
    int series = Integer.getInteger("series", 100_000);
    int indexOnly = Integer.getInteger("indexOnly", 900_000);
    int hours = Integer.getInteger("hours", 6);
    int ticks = hours * 240;
    Path dir = Files.createTempDirectory(Path.of("target"), "metric-store-bench");
    long start = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    long end = start + (ticks - 1) * STEP;
    List<String> out = new ArrayList<>();
    long heap0 = SpikeReport.liveHeap();

    MetricStore store = MetricStore.open(dir, Duration.ofHours(2));
    // Identity: the data series, then the index-only ones.
    int[] ids = new int[series];
    long t0 = System.nanoTime();
    for (int i = 0; i < series; i++) {
      ids[i] = store.seriesId(istioSeries(i));
    }
    for (int i = 0; i < indexOnly; i++) {
      int id = store.seriesId(istioSeries(series + i));
      store.append(id, end, i);
    }
    double identitySecs = (System.nanoTime() - t0) / 1e9;

    // Samples, as Istio series behave: request counters and histogram buckets grow by whole
    // requests per 15 s (most buckets and 60% of the edges idle, the rest at 0.1-20 req/s);
    // one series in ten is a gauge (e.g. memory bytes) that moves every couple of minutes.
    SplittableRandom rnd = new SplittableRandom(42);
    double[] value = new double[series];
    double[] rate = new double[series];
    for (int i = 0; i < series; i++) {
      rate[i] = rnd.nextDouble() < 0.6 ? 0 : 0.1 + rnd.nextDouble() * 20;
      value[i] = i % 10 == 9 ? 50_000_000 + rnd.nextInt(1_000_000) * 64 : 0;
    }
    t0 = System.nanoTime();
    long checkpointNanos = 0;
    for (int tick = 0; tick < ticks; tick++) {
      long ts = start + tick * STEP;
      for (int i = 0; i < series; i++) {
        if (i % 10 == 9) {
          if (rnd.nextInt(8) == 0) {
            value[i] += (rnd.nextInt(2_000) - 1_000) * 4096; // a gauge: a page-sized step
          }
        } else if (rate[i] > 0) {
          value[i] += Math.round(rate[i] * 15 * (0.7 + 0.6 * rnd.nextDouble()));
        }
        store.append(ids[i], ts, value[i]);
      }
      if (tick % 240 == 239) {
        long c = System.nanoTime();
        store.checkpoint(Map.of("bench/0", (long) tick));
        checkpointNanos += System.nanoTime() - c;
      }
    }
    long c = System.nanoTime();
    store.checkpoint(Map.of("bench/0", (long) ticks));
    checkpointNanos += System.nanoTime() - c;
    double loadSecs = (System.nanoTime() - t0) / 1e9;
    long samples = (long) series * ticks + indexOnly;
    long heap = SpikeReport.liveHeap() - heap0;
    int total = series + indexOnly;

    out.add(
        String.format(
            Locale.ROOT,
            "| series in the index | %,d (%,d with %d h of 15 s samples, %,d with one sample) |",
            total,
            series,
            hours,
            indexOnly));
    out.add(
        String.format(
            Locale.ROOT, "| identity | %,d series created in %.1f s |", total, identitySecs));
    out.add(
        String.format(
            Locale.ROOT,
            "| load | %,d samples appended in %.1f s (%,.0f samples/s, one thread), of which"
                + " %.1f s in %d checkpoints |",
            samples,
            loadSecs,
            (series * (double) ticks) / loadSecs,
            checkpointNanos / 1e9,
            hours + 1));
    out.add(
        String.format(
            Locale.ROOT,
            "| heap, live after full GC | %,d MB: **%,.0f B per series** (target ≤ 1,536; 2 h of"
                + " chunks stay on the heap for the %,d data series) |",
            heap >> 20,
            heap / (double) total,
            series));

    // Panels: one metric, one tenant of 20, 1 h; from the head (last hour) and from disk.
    List<LabelMatcher> panel =
        List.of(
            LabelMatcher.equal("__name__", "istio_requests_total"),
            LabelMatcher.equal("reporter", "destination"));
    Scope tenant = Scope.tenants(Set.of("tenant-3"));
    out.add(
        latency(
            "panel selection, last 1 h (head, in memory)",
            store,
            tenant,
            panel,
            end - 3_600_000,
            end));
    out.add(
        latency(
            "panel selection, 1 h five hours back (disk)",
            store,
            tenant,
            panel,
            start + 3_600_000,
            start + 7_200_000));
    out.add(promqlLatency(store, tenant, end));
    long chunkBytes = store.diskChunkBytes();
    int unique = store.seriesCount();
    store.close();

    long disk = sizeOf(dir);
    out.add(
        String.format(
            Locale.ROOT,
            "| disk | chunks %,d bytes for %,d samples on disk: **%.2f B per sample**; the whole"
                + " file (series labels, visibility, head, free blocks) %,d bytes: %.2f B per"
                + " sample (target ≤ 2) |",
            chunkBytes,
            samples,
            chunkBytes / (double) samples,
            disk,
            disk / (double) samples));
    if (unique != total) {
      throw new IllegalStateException(unique + " unique series, expected " + total);
    }

    // Restart: open (series, visibility, heads, offsets) and serve the first panel; the head
    // window's chunks come back onto the heap in the background.
    System.gc();
    t0 = System.nanoTime();
    MetricStore reopened = MetricStore.open(dir, Duration.ofHours(2));
    double openSecs = (System.nanoTime() - t0) / 1e9;
    long q0 = System.nanoTime();
    int n = reopened.select(tenant, panel, end - 3_600_000, end).size();
    double firstMs = (System.nanoTime() - q0) / 1e6;
    reopened.headWindowLoaded().get();
    double windowSecs = (System.nanoTime() - t0) / 1e9;
    out.add(
        String.format(
            Locale.ROOT,
            "| restart | open %.1f s (%,d series), first panel %.0f ms (%d series, from disk while"
                + " the head window loads): **serving after %.1f s** (target ≤ 30 s); head window"
                + " back on the heap after %.1f s; plus the Kafka replay of at most one"
                + " checkpoint interval |",
            openSecs,
            reopened.seriesCount(),
            firstMs,
            n,
            openSecs + firstMs / 1000,
            windowSecs));
    out.add(
        latency(
            "panel selection after restart, last 1 h (head window reloaded)",
            reopened,
            tenant,
            panel,
            end - 3_600_000,
            end));
    reopened.close();
    TempFiles.deleteRecursively(dir);

    String report = report(out);
    System.out.println(report);
    Files.writeString(Path.of("docs/benchmarks/metric-store-results.md"), report);
  }

  /**
   * An Istio-shaped series, unique per {@code i}: 27-28 labels, 20 tenants, both reporters, 20
   * duration buckets per request counter.
   */
  private static AttributedSeries istioSeries(int i) {
    int t = i % TENANTS;
    int r = i / TENANTS;
    boolean destination = r % 2 == 0;
    int k = r / 2;
    int kind = k % (LE.length + 1); // LE.length: the request counter, else a bucket
    int e = k / (LE.length + 1); // the edge: service, peer, response code, pod
    int svc = e % 50;
    int peer = e / 50 % 40;
    String code = CODES[e / 2000 % CODES.length];
    int pod = e / 12_000;
    String tenant = "tenant-" + t;
    String ns = tenant + "-ns";
    boolean bucket = kind < LE.length;
    String metric = bucket ? "istio_request_duration_milliseconds_bucket" : "istio_requests_total";
    Labels.Builder b =
        Labels.builder()
            .put("__name__", metric)
            .put("reporter", destination ? "destination" : "source")
            .put("source_workload", "client-" + peer)
            .put("source_workload_namespace", ns)
            .put("source_principal", "spiffe://cluster.local/ns/" + ns + "/sa/client-" + peer)
            .put("source_app", "client-" + peer)
            .put("source_version", "v" + (peer % 3))
            .put("source_cluster", "east-" + (peer % 3))
            .put("destination_workload", "svc-" + svc)
            .put("destination_workload_namespace", ns)
            .put("destination_principal", "spiffe://cluster.local/ns/" + ns + "/sa/svc-" + svc)
            .put("destination_app", "svc-" + svc)
            .put("destination_version", "v1")
            .put("destination_service", "svc-" + svc + "." + ns + ".svc.cluster.local")
            .put("destination_service_name", "svc-" + svc)
            .put("destination_service_namespace", ns)
            .put("destination_cluster", "east-" + (svc % 3))
            .put("request_protocol", "http")
            .put("response_code", code)
            .put("grpc_response_status", "")
            .put("response_flags", "-")
            .put("connection_security_policy", "mutual_tls")
            .put(
                "k8s_pod_name",
                (destination ? "svc-" + svc : "client-" + peer) + "-7d9c7bdd6-" + pod)
            .put("k8s_namespace_name", ns)
            .put("cluster", "east-" + (svc % 3))
            .put("tenant", tenant);
    if (bucket) {
      b.put("le", LE[kind]);
    }
    return new AttributedSeries(b.build(), tenant, "east-" + (svc % 3), Set.of(tenant));
  }

  private static String latency(
      String what, MetricStore store, Scope scope, List<LabelMatcher> m, long from, long to) {
    long[] nanos = new long[100];
    int seriesCount = 0;
    long sampleCount = 0;
    for (int i = -10; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      List<SeriesData> r = store.select(scope, m, from, to);
      long d = System.nanoTime() - t0;
      if (i >= 0) {
        nanos[i] = d;
      }
      seriesCount = r.size();
      sampleCount = r.stream().mapToLong(SeriesData::size).sum();
    }
    return String.format(
        Locale.ROOT,
        "| %s | %,d series, %,d samples: p50 %.1f ms, **p99 %.1f ms** (target ≤ 50) |",
        what,
        seriesCount,
        sampleCount,
        SpikeReport.percentileMs(nanos, 50),
        SpikeReport.percentileMs(nanos, 99));
  }

  private static String promqlLatency(MetricStore store, Scope scope, long end) {
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    String q =
        "sum by (destination_service_name) (rate(istio_requests_total{reporter=\"destination\"}[5m]))";
    long[] nanos = new long[50];
    for (int i = -5; i < nanos.length; i++) {
      long t0 = System.nanoTime();
      engine.rangeQuery(store, scope, q, end - 3_600_000, end, STEP);
      if (i >= 0) {
        nanos[i] = System.nanoTime() - t0;
      }
    }
    return String.format(
        Locale.ROOT,
        "| PromQL panel `%s`, 1 h at 15 s step, one tenant | p50 %.1f ms, p99 %.1f ms |",
        q,
        SpikeReport.percentileMs(nanos, 50),
        SpikeReport.percentileMs(nanos, 99));
  }

  private static String report(List<String> rows) {
    Runtime rt = Runtime.getRuntime();
    StringBuilder sb = new StringBuilder();
    sb.append("# Metric store benchmark (issue 4 targets)\n\n");
    sb.append(
        "Written by `io.meshlens.bench.MetricStoreBenchmark` (command in its Javadoc) on the"
            + " durable `MetricStore` as Meshlens runs it: in-memory head, checkpoints to"
            + " `metrics.duckdb`, 2 h head window.\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "Machine: %d cores, max heap %,d MB, %s %s. Date: %s.\n\n",
            rt.availableProcessors(),
            rt.maxMemory() >> 20,
            System.getProperty("java.vm.name"),
            System.getProperty("java.version"),
            Instant.now()));
    sb.append("| measure | result |\n|---|---|\n");
    rows.forEach(r -> sb.append(r).append('\n'));
    return sb.toString();
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .mapToLong(
              p -> {
                try {
                  return Files.size(p);
                } catch (IOException e) {
                  return 0;
                }
              })
          .sum();
    }
  }
}
