package io.meshlens.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.meshlens.config.ConfigFileException;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantLimits;
import io.meshlens.testing.OtlpMetrics;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-tenant ingest limits: from the tenants file, enforced per tenant, counted with a reason. */
class TenantLimitsTest {

  @TempDir Path dir;

  private TenantDirectory load(String yaml) throws IOException {
    Path f = dir.resolve("tenants.yaml");
    Files.writeString(f, yaml);
    return TenantDirectory.load(f);
  }

  private static final String FILE =
      """
      limits:
        samplesPerSecond: 1000
        activeSeries: 100
      tenants:
        - name: shop
          namespaces: [shop]
          limits: {activeSeries: 3, spansPerSecond: 2, burstSeconds: 1}
        - name: payments
          namespaces: [payments]
          limits: {samplesPerSecond: 0.5, burstSeconds: 2}
        - name: search
          namespaces: [search]
      platform:
        namespaces: [istio-system]
      """;

  @Test
  void tenantLimitsOverrideTheDefaultsOneByOne() throws IOException {
    TenantDirectory d = load(FILE);
    assertThat(d.limitsOf("shop")).isEqualTo(new TenantLimits(3L, 1000.0, 2.0, null, 1.0));
    assertThat(d.limitsOf("search")).isEqualTo(new TenantLimits(100L, 1000.0, null, null, null));
    assertThat(d.limitsOf("platform")).isEqualTo(d.config().limits());
    assertThat(d.limitsOf("search").burst()).isEqualTo(15.0);
    assertThat(load("tenants: []\n").limitsOf("x")).isEqualTo(TenantLimits.NONE);
  }

  @Test
  void badLimitsStopTheFileWithLineAndReason() {
    assertThatThrownBy(
            () ->
                load(
                    """
                    tenants:
                      - name: shop
                        namespaces: [shop]
                        limits: {activeSeries: -1}
                    """))
        .isInstanceOf(ConfigFileException.class)
        .hasMessageContaining("tenants.yaml:")
        .hasMessageContaining("activeSeries must not be negative");
    assertThatThrownBy(
            () ->
                load(
                    """
                    limits:
                      samplesPerSec: 10
                    """))
        .isInstanceOf(ConfigFileException.class)
        .hasMessageContaining("tenants.yaml:2")
        .hasMessageContaining("samplesPerSec");
  }

  @Test
  void tokenBucketsAllowTheBurstThenTheRate() throws IOException {
    TenantDirectory d = load(FILE);
    AtomicLong now = new AtomicLong(0);
    TenantLimiter l = new TenantLimiter(() -> d, now::get);
    // payments: 0.5 samples/s with a 2 s burst: one sample, then one every 2 s.
    assertThat(l.allowSample("payments")).isTrue();
    assertThat(l.allowSample("payments")).isFalse();
    now.addAndGet(1_000_000_000L);
    assertThat(l.allowSample("payments")).isFalse();
    now.addAndGet(1_000_000_000L);
    assertThat(l.allowSample("payments")).isTrue();
    // Idle time refills up to the burst only.
    now.addAndGet(60_000_000_000L);
    assertThat(l.allowSample("payments")).isTrue();
    assertThat(l.allowSample("payments")).isFalse();
    // shop: 2 spans/s with a 1 s burst; search: no span limit at all.
    assertThat(l.allowSpan("shop")).isTrue();
    assertThat(l.allowSpan("shop")).isTrue();
    assertThat(l.allowSpan("shop")).isFalse();
    for (int i = 0; i < 1_000; i++) {
      assertThat(l.allowSpan("search")).isTrue();
    }
    assertThat(l.allowNewSeries("shop", 2)).isTrue();
    assertThat(l.allowNewSeries("shop", 3)).isFalse();
    assertThat(l.allowLogBytes("shop", 1_000_000)).isTrue();
  }

  @Test
  void metricsOverATenantsLimitsAreDiscardedPerTenantAndOthersAreUntouched() throws Exception {
    TenantDirectory d = load(FILE);
    MetricStore store = new MetricStore();
    IngestStats stats = new IngestStats("metrics");
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            () -> d,
            store,
            stats,
            MetricsPipeline.Encoding.AUTO,
            1_000_000);
    long t = 1_700_000_000_000L;
    // shop may own 3 series: the 4th and 5th pod's series are refused, the first three go on.
    for (int pod = 0; pod < 5; pod++) {
      byte[] r = OtlpMetrics.counter("east-1", "shop", "cart-" + pod, "jobs", 1, t).toByteArray();
      assertThat(pipeline.accept("otlp_metrics", r, null)).isEmpty();
    }
    byte[] again =
        OtlpMetrics.counter("east-1", "shop", "cart-0", "jobs", 2, t + 15_000).toByteArray();
    pipeline.accept("otlp_metrics", again, null);
    assertThat(store.seriesCountOf("shop")).isEqualTo(3);
    assertThat(
            stats
                .discardedByTenant()
                .get(new IngestStats.TenantReason(TenantLimiter.SERIES_LIMIT, "shop")))
        .isEqualTo(2L);
    // payments: 0.5 samples/s, burst of 1 sample: the second sample in the same instant is over.
    for (int i = 0; i < 3; i++) {
      pipeline.accept(
          "otlp_metrics",
          OtlpMetrics.counter("east-1", "payments", "api-0", "jobs", i, t + i * 1_000L)
              .toByteArray(),
          null);
    }
    assertThat(
            stats
                .discardedByTenant()
                .get(new IngestStats.TenantReason(TenantLimiter.SAMPLE_RATE_LIMIT, "payments")))
        .isEqualTo(2L);
    // A replay of the stored sample is a duplicate, not a use of the allowance.
    pipeline.accept(
        "otlp_metrics",
        OtlpMetrics.counter("east-1", "payments", "api-0", "jobs", 0, t).toByteArray(),
        null);
    assertThat(stats.duplicateSamples()).isEqualTo(1);
    // search has the defaults (1000 samples/s, 100 series): nothing refused.
    for (int pod = 0; pod < 20; pod++) {
      pipeline.accept(
          "otlp_metrics",
          OtlpMetrics.counter("east-1", "search", "idx-" + pod, "jobs", 1, t).toByteArray(),
          null);
    }
    assertThat(store.seriesCountOf("search")).isEqualTo(20);
    assertThat(
            store.select(
                Scope.tenants(Set.of("shop")),
                List.of(LabelMatcher.equal("__name__", "jobs_total")),
                0,
                Long.MAX_VALUE))
        .hasSize(3)
        .allSatisfy(s -> assertThat(s.labels().get("tenant")).isEqualTo("shop"));
  }

  @Test
  void spansOverATenantsRateAreDiscardedAndTheRestStored() throws Exception {
    TenantDirectory d = load(FILE);
    try (SpanStore spans = new SpanStore(dir.resolve("spans"))) {
      SpansHandler handler = new SpansHandler(spans, () -> d);
      // One message with 5 shop spans and 5 search spans; shop may send 2 at once.
      var request = ExportTraceServiceRequest.newBuilder();
      for (String ns : List.of("shop", "search")) {
        var scope = ScopeSpans.newBuilder();
        for (int i = 0; i < 5; i++) {
          byte[] trace = new byte[16];
          trace[0] = (byte) (ns.equals("shop") ? 1 : 2);
          trace[15] = (byte) (i + 1);
          byte[] span = new byte[8];
          span[7] = (byte) (i + 1);
          scope.addSpans(
              Span.newBuilder()
                  .setTraceId(ByteString.copyFrom(trace))
                  .setSpanId(ByteString.copyFrom(span))
                  .setName("GET /")
                  .setStartTimeUnixNano(1_700_000_000_000_000_000L)
                  .setEndTimeUnixNano(1_700_000_000_001_000_000L));
        }
        request.addResourceSpans(
            ResourceSpans.newBuilder()
                .setResource(
                    Resource.newBuilder()
                        .addAttributes(OtlpMetrics.attr("service.name", ns + "-api"))
                        .addAttributes(OtlpMetrics.attr("k8s.namespace.name", ns)))
                .addScopeSpans(scope));
      }
      var record =
          new ConsumerRecord<byte[], byte[]>(
              "otlp_spans", 0, 0L, null, request.build().toByteArray());
      assertThat(handler.handle(record)).isEmpty();
      handler.flush(Map.of(new TopicPartition("otlp_spans", 0), 1L));
      assertThat(spans.count(Scope.tenants(Set.of("shop")))).isEqualTo(2);
      assertThat(spans.count(Scope.tenants(Set.of("search")))).isEqualTo(5);
      assertThat(
              handler
                  .stats()
                  .discardedByTenant()
                  .get(new IngestStats.TenantReason(TenantLimiter.SPAN_RATE_LIMIT, "shop")))
          .isEqualTo(3L);
    }
  }
}
