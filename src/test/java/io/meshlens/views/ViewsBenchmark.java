package io.meshlens.views;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.ingest.AccessLogsHandler;
import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.KafkaIngestLoop;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.tenancy.TenantDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ForkJoinPool;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Issue 7's speed target: each view for one tenant over 1 h, with the simulator at about 1,000
 * pods. Runs the simulator for an hour of 15 s ticks through the real ingest pipeline into an
 * in-memory {@link MetricStore}, and its access logs (OTLP log records and raw lines) through the
 * real access log handler into a DuckDB {@link AccessLogStore}; then times each view for tenant
 * {@code shop} (and for the SRE scope) over the last hour.
 *
 * <p>Run (about 15 minutes on 2 cores, ~5 GB heap):
 *
 * <pre>
 * ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/bench.cp
 * java -Xmx6g -XX:+UseParallelGC -cp target/test-classes:target/classes:$(cat target/bench.cp) \
 *     io.meshlens.views.ViewsBenchmark
 * </pre>
 *
 * <p>{@code -XX:+UseParallelGC} as the container image's {@code run-java.sh} starts the service; a
 * bare {@code java} on 2 cores picks G1.
 *
 * <p>Writes {@code docs/benchmarks/views.md}. System properties: {@code -Dpods=1000 -Dminutes=60
 * -Drps=500 -Diterations=40 -Dlogs=true -Dsre=true}; {@code -DlogDir=DIR} keeps the access log
 * store in {@code DIR} and reuses it on the next run with the same settings.
 */
public final class ViewsBenchmark {

  private static final String OTLP_LOGS = "otlp_logs";
  private static final String RAW_LOGS = "istio_access_logs";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private ViewsBenchmark() {}

  /** One Kafka record through the access log handler, as the ingest loop would hand it over. */
  private static void feed(
      AccessLogsHandler handler,
      Map<TopicPartition, Long> offsets,
      String topic,
      byte[] value,
      String cluster) {
    TopicPartition tp = new TopicPartition(topic, 0);
    long offset = offsets.merge(tp, 1L, Long::sum) - 1;
    ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(topic, 0, offset, null, value);
    if (cluster != null) {
      r.headers().add(KafkaIngestLoop.CLUSTER_HEADER, cluster.getBytes(StandardCharsets.UTF_8));
    }
    handler.handle(r).ifPresent(x -> System.out.println("rejected: " + x));
  }

  public static void main(String[] args) throws Exception {
    int targetPods = Integer.getInteger("pods", 1000);
    int minutes = Integer.getInteger("minutes", 60);
    int rps = Integer.getInteger("rps", 500);
    int iterations = Integer.getInteger("iterations", 40);
    boolean withLogs = Boolean.parseBoolean(System.getProperty("logs", "true"));
    boolean sre = Boolean.parseBoolean(System.getProperty("sre", "true"));
    Instant start = Instant.parse("2025-03-01T12:00:00Z");

    int extra = 0;
    SimulatorSettings settings;
    MeshSimulator sim;
    do {
      settings =
          SimulatorSettings.defaults()
              .withReplicasPerWorkload(3)
              .withExtraTenants(extra)
              .withRequestsPerSecond(rps)
              .withFailover(Duration.ofMinutes(minutes / 3), Duration.ofMinutes(minutes / 2));
      sim = new MeshSimulator(settings, start);
      extra += 4;
    } while (sim.topology().pods().size() < targetPods);
    int pods = sim.topology().pods().size();

    MetricStore store = new MetricStore();
    TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            () -> tenants,
            store,
            new IngestStats("metrics"),
            MetricsPipeline.Encoding.AUTO,
            64 << 20);
    String keep = System.getProperty("logDir");
    Path logDir = keep != null ? Path.of(keep) : Files.createTempDirectory("views-bench-logs");
    AccessLogStore logStore = withLogs ? new AccessLogStore(logDir) : null;
    // A kept store from an earlier run with the same settings is used as it is.
    boolean reuse = logStore != null && logStore.count(Scope.everything()) > 0;
    AccessLogsHandler logs =
        withLogs && !reuse
            ? new AccessLogsHandler(logStore, () -> tenants, Set.of(OTLP_LOGS))
            : null;
    Map<TopicPartition, Long> logOffsets = new HashMap<>();
    ForkJoinPool pool = new ForkJoinPool(Runtime.getRuntime().availableProcessors());
    int ticks = minutes * 4;
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    long t0 = System.nanoTime();
    Instant end = start;
    for (int i = 1; i <= ticks; i++) {
      end = start.plusSeconds(15L * i);
      TickOutput out = sim.tick(end);
      // One tick's exports come from different pods: their order within the tick is free.
      pool.submit(
              () ->
                  out.metrics().parallelStream()
                      .forEach(r -> pipeline.accept("otlp_metrics", r.toByteArray(), null)))
          .get();
      if (logs != null) {
        for (var r : out.logs()) {
          feed(logs, logOffsets, OTLP_LOGS, r.toByteArray(), null);
        }
        for (int k = 0; k < out.accessLogLines().size(); k++) {
          feed(
              logs,
              logOffsets,
              RAW_LOGS,
              out.accessLogLines().get(k).getBytes(StandardCharsets.UTF_8),
              out.accessLogLineClusters().get(k));
        }
        logs.flush(logOffsets);
      }
      if (i % 40 == 0) {
        System.out.printf(
            Locale.ROOT,
            "tick %d/%d: %d series, %d samples, %d log entries, %.0f s%n",
            i,
            ticks,
            store.seriesCount(),
            store.sampleCount(),
            logs == null ? 0 : logs.stats().samples(),
            (System.nanoTime() - t0) / 1e9);
      }
    }
    pool.shutdown();
    double loadS = (System.nanoTime() - t0) / 1e9;
    long logEntries = logStore == null ? 0 : logStore.count(Scope.everything());
    System.out.printf(
        Locale.ROOT,
        "loaded %d pods, %d series, %d samples, %d access log entries in %.0f s%n",
        pods,
        store.seriesCount(),
        store.sampleCount(),
        logEntries,
        loadS);

    double loadTiming = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
    long e = end.toEpochMilli();
    ViewParams hour = ViewParams.parse(null, Long.toString(e / 1000), null, e);
    Scope shop = Scope.tenants(Set.of("shop"));
    List<String[]> rows = new ArrayList<>();
    rows.add(
        time(
            "usage, groupBy=tenant, tenant shop",
            iterations,
            () ->
                new UsageView(new ViewQueries(engine, store, shop), hour, UsageGroupBy.TENANT)
                    .compute(List.of())));
    rows.add(
        time(
            "usage, groupBy=workload, tenant shop",
            iterations,
            () ->
                new UsageView(new ViewQueries(engine, store, shop), hour, UsageGroupBy.WORKLOAD)
                    .compute(List.of())));
    rows.add(
        time(
            "traffic, tenant shop",
            iterations,
            () -> new TrafficView(new ViewQueries(engine, store, shop), hour, tenants).compute()));
    rows.add(
        time(
            "health, tenant shop",
            iterations,
            () ->
                new HealthView(
                        new ViewQueries(engine, store, shop),
                        hour,
                        tenants,
                        HealthView.DEFAULT_SILENT_AFTER_SCRAPES,
                        HealthView.DEFAULT_SCRAPE_INTERVAL_MS)
                    .compute(Map.of(), Map.of())));
    rows.add(
        time(
            "isolation, tenant shop",
            iterations,
            () ->
                new IsolationAudit(engine, store, logStore, tenants)
                    .compute(new ViewQueries(engine, store, shop), hour)));
    if (logStore != null) {
      // The same audit without its access log lookups: what the lookups cost is the difference.
      rows.add(
          time(
              "isolation, tenant shop, without access log lookups",
              iterations,
              () ->
                  new IsolationAudit(engine, store, null, tenants)
                      .compute(new ViewQueries(engine, store, shop), hour)));
    }
    if (sre) {
      rows.add(
          time(
              "health, SRE (control plane, clusters, all tenants)",
              Math.max(5, iterations / 4),
              () ->
                  new HealthView(
                          new ViewQueries(engine, store, Scope.everything()),
                          hour,
                          tenants,
                          HealthView.DEFAULT_SILENT_AFTER_SCRAPES,
                          HealthView.DEFAULT_SCRAPE_INTERVAL_MS)
                      .compute(store.newestSampleBy(Scope.everything(), "cluster"), Map.of())));
      rows.add(
          time(
              "isolation, SRE (all tenants)",
              Math.max(5, iterations / 4),
              () ->
                  new IsolationAudit(engine, store, logStore, tenants)
                      .compute(new ViewQueries(engine, store, Scope.everything()), hour)));
      rows.add(
          time(
              "usage, groupBy=tenant, SRE (all tenants)",
              Math.max(5, iterations / 4),
              () ->
                  new UsageView(
                          new ViewQueries(engine, store, Scope.everything()),
                          hour,
                          UsageGroupBy.TENANT)
                      .compute(List.of())));
      rows.add(
          time(
              "traffic, SRE (all tenants)",
              Math.max(5, iterations / 4),
              () ->
                  new TrafficView(new ViewQueries(engine, store, Scope.everything()), hour, tenants)
                      .compute()));
    }
    StringBuilder md = new StringBuilder();
    md.append("# Views benchmark\n\n")
        .append(
            "Generated by `io.meshlens.views.ViewsBenchmark` (command in its Javadoc); do not edit by hand.\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "- date: %s%n- machine: %s, %d cores visible to the JVM, %s, shared with other"
                    + " work: load average %.1f before loading, %.1f before timing, %.1f at the"
                    + " end%n- JVM: %s, max heap %d MB, garbage collectors %s%n- data: simulator at %d pods (%d extra"
                    + " tenants, 3 replicas per workload, %d requests/s), %d min of 15 s ticks"
                    + " through the real ingest pipeline into an in-memory MetricStore: %,d series,"
                    + " %,d samples; %s (loaded in %.0f s)%n- query: the last hour, default step"
                    + " (15 s), tenant `shop` unless stated; each run computes the view and writes"
                    + " its JSON body; %d timed runs after 5 warm-up runs%n- CPU columns: CPU time"
                    + " of the calling thread (DuckDB's own worker threads not included); wall-clock"
                    + " minus CPU is mostly waiting for a core on a loaded machine%n%n",
                Instant.now(),
                cpuModel(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                loadBefore,
                loadTiming,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getGarbageCollectorMXBeans().stream()
                    .map(java.lang.management.GarbageCollectorMXBean::getName)
                    .collect(java.util.stream.Collectors.joining(" + ")),
                pods,
                extra - 4,
                rps,
                minutes,
                store.seriesCount(),
                store.sampleCount(),
                withLogs
                    ? String.format(
                        Locale.ROOT,
                        "%,d access log entries (OTLP and raw lines) through the real access log"
                            + " handler into a DuckDB AccessLogStore",
                        logEntries)
                    : "no access logs",
                loadS,
                iterations))
        .append(
            "| view | runs | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms |\n"
                + "|---|---|---|---|---|---|---|\n");
    for (String[] r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    md.append("\nTarget (issue 7): p99 at most 200 ms for one tenant over 1 h.\n")
        .append(
            withLogs
                ? "\nThe isolation audit includes its access log lookups: an example request id"
                    + " for every finding and the RBAC confirmation of denials.\n"
                : "\nRun without access logs (-Dlogs=false): the isolation audit's example request"
                    + " ids and RBAC confirmations are not measured.\n");
    Files.createDirectories(Path.of("docs/benchmarks"));
    Files.writeString(Path.of("docs/benchmarks/views.md"), md.toString());
    System.out.print(md);
  }

  private static String[] time(String name, int iterations, Supplier<Object> view) {
    for (int i = 0; i < 5; i++) {
      serialize(view.get());
    }
    double[] ms = new double[iterations];
    double[] cpu = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long c = THREADS.getCurrentThreadCpuTime();
      long t = System.nanoTime();
      serialize(view.get());
      ms[i] = (System.nanoTime() - t) / 1e6;
      cpu[i] = (THREADS.getCurrentThreadCpuTime() - c) / 1e6;
    }
    Arrays.sort(ms);
    Arrays.sort(cpu);
    System.out.printf(
        Locale.ROOT,
        "%s: p50 %.1f ms, p99 %.1f ms (this thread's CPU p50 %.1f ms)%n",
        name,
        pct(ms, 0.5),
        pct(ms, 0.99),
        pct(cpu, 0.5));
    return new String[] {
      name,
      Integer.toString(iterations),
      String.format(Locale.ROOT, "%.1f", pct(ms, 0.5)),
      String.format(Locale.ROOT, "%.1f", pct(ms, 0.99)),
      String.format(Locale.ROOT, "%.1f", ms[iterations - 1]),
      String.format(Locale.ROOT, "%.1f", pct(cpu, 0.5)),
      String.format(Locale.ROOT, "%.1f", pct(cpu, 0.99))
    };
  }

  private static double pct(double[] sorted, double q) {
    return sorted[(int) Math.ceil(q * sorted.length) - 1];
  }

  /** The response body as the endpoint would write it: the view inside Prometheus' envelope. */
  private static void serialize(Object view) {
    try {
      JSON.writeValueAsBytes(Map.of("status", "success", "data", view));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String cpuModel() {
    try {
      for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (l.startsWith("model name")) {
          return l.substring(l.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return System.getProperty("os.arch");
  }
}
