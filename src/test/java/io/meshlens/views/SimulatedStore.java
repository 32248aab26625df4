package io.meshlens.views;

import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.simulator.GroundTruth;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantDirectory;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The simulator's metrics fed through the real ingest path ({@link MetricsPipeline}: OTLP bytes,
 * translation, tenant attribution) into a {@link MetricStore}, tick by tick.
 */
final class SimulatedStore {

  static final Instant START = Instant.parse("2025-03-01T12:00:00Z");
  static final long TICK_SECONDS = 10;

  final MeshSimulator sim;
  final MetricStore store = new MetricStore();
  final TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
  final MetricsPipeline pipeline =
      new MetricsPipeline(
          new OtlpMetricsTranslator(TranslatorSettings.defaults()),
          () -> tenants,
          store,
          new IngestStats("metrics"),
          MetricsPipeline.Encoding.AUTO,
          64 << 20);
  private int ticks;

  SimulatedStore(SimulatorSettings settings) {
    this.sim = new MeshSimulator(settings, START);
  }

  /** Runs one tick and ingests its metrics; returns the tick's time. */
  Instant tick() {
    ticks++;
    Instant t = START.plusSeconds(TICK_SECONDS * ticks);
    TickOutput out = sim.tick(t);
    for (ExportMetricsServiceRequest r : out.metrics()) {
      pipeline
          .accept("otlp_metrics", r.toByteArray(), null)
          .ifPresent(
              x -> {
                throw new IllegalStateException("rejected: " + x);
              });
    }
    return t;
  }

  GroundTruth truth() {
    return sim.groundTruth();
  }
}
