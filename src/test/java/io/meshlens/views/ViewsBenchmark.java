package io.meshlens.views;

import io.meshlens.ingest.IngestStats;
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
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Issue 7's speed target: each view for one tenant over 1 h, with the simulator at about 1,000
 * pods. Runs the simulator for an hour of 15 s ticks through the real ingest pipeline into an
 * in-memory {@link MetricStore}, then times each view for tenant {@code shop} (and once for the SRE
 * scope) over the last hour.
 *
 * <p>Run (a few minutes, ~4 GB heap):
 *
 * <pre>
 * ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/bench.cp
 * java -Xmx5g -cp target/test-classes:target/classes:$(cat target/bench.cp) \
 *     io.meshlens.views.ViewsBenchmark
 * </pre>
 *
 * Writes {@code docs/benchmarks/views.md}. System properties: {@code -Dpods=1000 -Dminutes=60
 * -Drps=500 -Diterations=40}.
 */
public final class ViewsBenchmark {

  private ViewsBenchmark() {}

  public static void main(String[] args) throws Exception {
    int targetPods = Integer.getInteger("pods", 1000);
    int minutes = Integer.getInteger("minutes", 60);
    int rps = Integer.getInteger("rps", 500);
    int iterations = Integer.getInteger("iterations", 40);
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
    int ticks = minutes * 4;
    long t0 = System.nanoTime();
    Instant end = start;
    for (int i = 1; i <= ticks; i++) {
      end = start.plusSeconds(15L * i);
      TickOutput out = sim.tick(end);
      for (ExportMetricsServiceRequest r : out.metrics()) {
        pipeline.accept("otlp_metrics", r.toByteArray(), null);
      }
      if (i % 40 == 0) {
        System.out.printf(
            Locale.ROOT,
            "tick %d/%d: %d series, %d samples, %.0f s%n",
            i,
            ticks,
            store.seriesCount(),
            store.sampleCount(),
            (System.nanoTime() - t0) / 1e9);
      }
    }
    double loadS = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "loaded %d pods, %d series, %d samples in %.0f s%n",
        pods,
        store.seriesCount(),
        store.sampleCount(),
        loadS);

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
                new IsolationAudit(engine, store, null, tenants)
                    .compute(new ViewQueries(engine, store, shop), hour)));
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
                new IsolationAudit(engine, store, null, tenants)
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

    StringBuilder md = new StringBuilder();
    md.append("# Views benchmark\n\n")
        .append(
            "Generated by `io.meshlens.views.ViewsBenchmark` (command in its Javadoc); do not edit by hand.\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "- date: %s%n- machine: %s, %d cores visible to the JVM, %s; the machine is shared with"
                    + " other builds and heavily loaded (load average %.1f at the end), so figures are"
                    + " noisy and pessimistic%n- JVM: %s, max heap %d MB%n- data: simulator at %d pods"
                    + " (%d extra tenants, 3 replicas per workload, %d requests/s), %d min of 15 s ticks"
                    + " through the real ingest pipeline into an in-memory MetricStore: %,d series, %,d"
                    + " samples (loaded in %.0f s)%n- query: the last hour, default step (15 s),"
                    + " tenant `shop` unless stated; %d timed runs after 5 warm-up runs%n%n",
                Instant.now(),
                cpuModel(),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"),
                Runtime.getRuntime().maxMemory() >> 20,
                pods,
                extra - 4,
                rps,
                minutes,
                store.seriesCount(),
                store.sampleCount(),
                loadS,
                iterations))
        .append("| view | runs | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|\n");
    for (String[] r : rows) {
      md.append("| ").append(String.join(" | ", r)).append(" |\n");
    }
    md.append("\nTarget (issue 7): p99 at most 200 ms for one tenant over 1 h.\n")
        .append(
            "\nThe isolation audit runs here without an access log store (metrics only): example"
                + " request ids and the RBAC confirmation of denials are DuckDB lookups, one per"
                + " finding, not measured at this scale.\n");
    Files.createDirectories(Path.of("docs/benchmarks"));
    Files.writeString(Path.of("docs/benchmarks/views.md"), md.toString());
    System.out.print(md);
  }

  private static String[] time(String name, int iterations, Supplier<Object> view) {
    for (int i = 0; i < 5; i++) {
      view.get();
    }
    double[] ms = new double[iterations];
    for (int i = 0; i < iterations; i++) {
      long t = System.nanoTime();
      view.get();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    double p50 = ms[(int) Math.ceil(0.5 * iterations) - 1];
    double p99 = ms[(int) Math.ceil(0.99 * iterations) - 1];
    System.out.printf(Locale.ROOT, "%s: p50 %.1f ms, p99 %.1f ms%n", name, p50, p99);
    return new String[] {
      name,
      Integer.toString(iterations),
      String.format(Locale.ROOT, "%.1f", p50),
      String.format(Locale.ROOT, "%.1f", p99),
      String.format(Locale.ROOT, "%.1f", ms[iterations - 1])
    };
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
