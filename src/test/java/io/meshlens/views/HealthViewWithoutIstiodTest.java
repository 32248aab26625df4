package io.meshlens.views;

import static io.meshlens.testing.OtlpMetrics.counter;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.IngestStats;
import io.meshlens.ingest.MetricsPipeline;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.tenancy.TenantDirectory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A cluster that sends telemetry but runs no istiod (Meshlens' own metrics in the demo, or a
 * cluster whose istiod scrape is missing) is listed with istiod down and no certificate figures,
 * instead of failing the whole view.
 */
class HealthViewWithoutIstiodTest {

  @Test
  void aClusterWithoutIstiodIsListedAsDown() {
    MetricStore store = new MetricStore();
    TenantDirectory tenants = TenantDirectory.load(Path.of("config/tenants.yaml"));
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            () -> tenants,
            store,
            new IngestStats("metrics"),
            MetricsPipeline.Encoding.AUTO,
            1_000_000);
    long t = 1_700_000_000_000L;
    assertThat(
            pipeline.accept(
                "otlp_metrics",
                counter("local", "meshlens", "meshlens-0", "meshlens_records", 5, t).toByteArray(),
                null))
        .isEmpty();

    HealthReport r =
        new HealthView(
                new ViewQueries(
                    new PromqlEngine(EngineSettings.defaults()), store, Scope.everything()),
                new ViewParams(t - 300_000, t, 15_000),
                tenants,
                4,
                15_000)
            .compute(store.newestSampleBy(Scope.everything(), "cluster"), Map.of());

    assertThat(r.controlPlanes())
        .singleElement()
        .satisfies(
            cp -> {
              assertThat(cp.cluster()).isEqualTo("local");
              assertThat(cp.istiodUp()).isFalse();
              assertThat(cp.rootCertExpiry()).isNull();
              assertThat(cp.certChainExpiry()).isNull();
              assertThat(cp.certExpiresInDays()).isNull();
            });
  }
}
