package io.meshlens.benchmark;

import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CPU cost of Meshlens' metrics path without Kafka: decode + translate + attribute + store of
 * simulator messages (one per resource, as the Collector's kafka exporter sends them), measured as
 * CPU time of the ingesting thread, so that other load on the machine does not skew it.
 *
 * <p>The first export creates every series; the following ones are the steady state that an
 * ingester spends its life in, reported separately.
 *
 * <p>Run: {@code ./mvnw -q -B test-compile exec:java@pipeline-benchmark} (optional {@code -Dticks=6
 * -DextraTenants=200 -Dreplicas=3}).
 */
public final class MetricsPipelineBenchmark {

  public static void main(String[] args) throws Exception {
    int ticks = Integer.getInteger("ticks", 6);
    int extraTenants = Integer.getInteger("extraTenants", 200);
    int replicas = Integer.getInteger("replicas", 3);
    SimulatorSettings settings =
        SimulatorSettings.defaults()
            .withExtraTenants(extraTenants)
            .withReplicasPerWorkload(replicas)
            .withRequestsPerSecond(1000);
    Instant start = Instant.parse("2026-11-01T00:00:00Z");
    MeshSimulator sim = new MeshSimulator(settings, start);
    List<List<byte[]>> exports = new ArrayList<>();
    long[] points = new long[ticks];
    for (int i = 1; i <= ticks; i++) {
      TickOutput out = sim.tick(start.plusSeconds(15L * i));
      List<byte[]> messages = new ArrayList<>();
      for (ExportMetricsServiceRequest r : out.metrics()) {
        for (ResourceMetrics rm : r.getResourceMetricsList()) {
          messages.add(
              ExportMetricsServiceRequest.newBuilder()
                  .addResourceMetrics(rm)
                  .build()
                  .toByteArray());
        }
      }
      points[i - 1] =
          new TickOutput(out.metrics(), List.of(), List.of(), List.of(), List.of())
              .dataPointCount();
      exports.add(messages);
    }
    MetricStore store =
        MetricStore.open(Files.createTempDirectory("bench-pipeline"), Duration.ofHours(2));
    TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            () -> tenants,
            store,
            new IngestStats("metrics"),
            MetricsPipeline.Encoding.AUTO,
            8 * 1024 * 1024);
    var threads = ManagementFactory.getThreadMXBean();
    long steadyPoints = 0;
    long steadyCpu = 0;
    for (int i = 0; i < ticks; i++) {
      long cpu0 = threads.getCurrentThreadCpuTime();
      long wall0 = System.nanoTime();
      for (byte[] m : exports.get(i)) {
        pipeline.accept("bench", m, null);
      }
      long cpu = threads.getCurrentThreadCpuTime() - cpu0;
      long wall = System.nanoTime() - wall0;
      System.out.printf(
          Locale.ROOT,
          "export %d: %,d messages, %,d points, %,.0f points per CPU-second (%,.0f per wall second), series %,d%n",
          i + 1,
          exports.get(i).size(),
          points[i],
          points[i] / (cpu / 1e9),
          points[i] / (wall / 1e9),
          store.seriesCount());
      if (i > 0) {
        steadyPoints += points[i];
        steadyCpu += cpu;
      }
    }
    System.out.printf(
        Locale.ROOT,
        "steady state: %,.0f points per CPU-second%n",
        steadyPoints / (steadyCpu / 1e9));
    // What the ingest benchmark's wall-clock includes at its end: one checkpoint of everything.
    long cpu0 = threads.getCurrentThreadCpuTime();
    long wall0 = System.nanoTime();
    store.checkpoint(java.util.Map.of());
    System.out.printf(
        Locale.ROOT,
        "checkpoint of %,d series: %.2f s wall-clock, %.2f s CPU of this thread%n",
        store.seriesCount(),
        (System.nanoTime() - wall0) / 1e9,
        (threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
    store.close();
  }
}
