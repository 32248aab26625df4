package io.meshlens.telemetry;

import io.meshlens.app.RetentionService;
import io.meshlens.config.MeshlensConfig;
import io.meshlens.ingest.IngestService;
import io.meshlens.store.MetricStore;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.buffer.Buffer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Serves {@code /metrics} in the Prometheus text or OpenMetrics format (by {@code Accept}) on the
 * management port ({@code quarkus.management.port}, 9000), next to the health probes: a tenant
 * token on the API port cannot reach it, and Prometheus scrapes it like any exporter.
 */
@ApplicationScoped
public class MetricsEndpoint {

  @Inject IngestService ingest;
  @Inject MetricStore store;
  @Inject RetentionService retention;
  @Inject MeshlensConfig config;

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final ExpositionFormats formats = ExpositionFormats.init();

  void register(@Observes ManagementInterface management) {
    registry.register(new IngestCollector(ingest.allStats(), ingest::lag, store));
    Path data = Path.of(config.dataDir());
    registry.register(
        new StorageCollector(
            new StorageCollector.Sources(
                Map.of(
                    "metrics", data.resolve("metrics"),
                    "spans", data.resolve("spans"),
                    "logs", data.resolve("logs")),
                store::checkpointCount,
                ingest::failedMetricCheckpoints,
                store::evictedChunkCount,
                store::diskChunkReadCount,
                retention::runs,
                retention::failures)));
    management
        .router()
        .get("/metrics")
        .handler(
            rc -> {
              ExpositionFormatWriter writer = formats.findWriter(rc.request().getHeader("Accept"));
              ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
              try {
                writer.write(out, registry.scrape());
              } catch (IOException e) {
                rc.fail(e);
                return;
              }
              rc.response()
                  .putHeader("Content-Type", writer.getContentType())
                  .end(Buffer.buffer(out.toByteArray()));
            });
  }

  /** The registry, for collectors other components add. */
  public PrometheusRegistry registry() {
    return registry;
  }
}
