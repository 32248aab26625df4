package io.meshlens.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.otlp.RecordingSink.Discard;
import io.meshlens.ingest.otlp.RecordingSink.Sample;
import io.meshlens.ingest.otlp.RecordingSink.Start;
import io.meshlens.model.Labels;
import io.meshlens.testdata.RealData;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Metric;
import org.junit.jupiter.api.Test;

/**
 * The canonical OTLP/JSON example of opentelemetry-proto (examples/metrics.json). Its sum and
 * histogram are delta ({@code "aggregationTemporality": 1}), so Prometheus keeps only the gauge.
 */
class OtlpJsonExampleTest {

  static final long TS = 1_544_712_660_300L;

  final OtlpMetricsTranslator translator = new OtlpMetricsTranslator(TranslatorSettings.defaults());

  static ExportMetricsServiceRequest example() throws Exception {
    return OtlpMetricsTranslator.parseJson(RealData.bytes("otlp-proto__examples_metrics.json"));
  }

  @Test
  void translatesTheCanonicalExampleExactly() throws Exception {
    RecordingSink sink = RecordingSink.translate(translator, example());

    // Scope name, version and attributes are not labels (Prometheus' promote_scope_metadata is
    // off).
    assertThat(sink.samples)
        .containsExactly(new Sample(series("my_gauge_ratio", "my_gauge_attr"), TS, 10));
    assertThat(sink.discards)
        .containsExactly(
            new Discard("delta_temporality", "my.counter"),
            new Discard("delta_temporality", "my.histogram"),
            new Discard("delta_temporality", "my.exponential.histogram"));
    assertThat(sink.starts).isEmpty();
  }

  @Test
  void theExampleMadeCumulativeGivesCounterAndClassicHistogram() throws Exception {
    ExportMetricsServiceRequest.Builder request = example().toBuilder();
    for (Metric.Builder metric :
        request.getResourceMetricsBuilder(0).getScopeMetricsBuilder(0).getMetricsBuilderList()) {
      if (metric.hasSum()) {
        metric
            .getSumBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      }
      if (metric.hasHistogram()) {
        metric
            .getHistogramBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      }
      if (metric.hasExponentialHistogram()) {
        metric
            .getExponentialHistogramBuilder()
            .setAggregationTemporality(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
      }
    }

    RecordingSink sink = RecordingSink.translate(translator, request.build());

    assertThat(sink.samples)
        .containsExactly(
            new Sample(series("my_counter_total", "my_counter_attr"), TS, 5),
            new Sample(series("my_gauge_ratio", "my_gauge_attr"), TS, 10),
            new Sample(series("my_histogram_sum", "my_histogram_attr"), TS, 2),
            new Sample(series("my_histogram_count", "my_histogram_attr"), TS, 2),
            new Sample(bucket("1"), TS, 1),
            new Sample(bucket("+Inf"), TS, 2),
            // Scale 0, zero count 1, positive offset 1 with counts [0, 2]: buckets (2,4] and (4,8].
            new Sample(exponential("my_exponential_histogram_sum"), TS, 10),
            new Sample(exponential("my_exponential_histogram_count"), TS, 3),
            new Sample(exponentialBucket("0"), TS, 1),
            new Sample(exponentialBucket("4"), TS, 1),
            new Sample(exponentialBucket("8"), TS, 3),
            new Sample(exponentialBucket("+Inf"), TS, 3));
    assertThat(sink.discards).isEmpty();
    assertThat(sink.starts)
        .containsExactly(
            new Start(series("my_counter_total", "my_counter_attr"), TS),
            new Start(series("my_histogram_sum", "my_histogram_attr"), TS),
            new Start(series("my_histogram_count", "my_histogram_attr"), TS),
            new Start(bucket("1"), TS),
            new Start(bucket("+Inf"), TS),
            new Start(exponential("my_exponential_histogram_sum"), TS),
            new Start(exponential("my_exponential_histogram_count"), TS),
            new Start(exponentialBucket("0"), TS),
            new Start(exponentialBucket("4"), TS),
            new Start(exponentialBucket("8"), TS),
            new Start(exponentialBucket("+Inf"), TS));
  }

  static Labels series(String name, String attribute) {
    return Labels.of("__name__", name, attribute, "some value", "job", "my.service");
  }

  static Labels exponential(String name) {
    return series(name, "my_exponential_histogram_attr");
  }

  static Labels exponentialBucket(String le) {
    return exponential("my_exponential_histogram_bucket").toBuilder().put("le", le).build();
  }

  static Labels bucket(String le) {
    return series("my_histogram_bucket", "my_histogram_attr").toBuilder().put("le", le).build();
  }
}
