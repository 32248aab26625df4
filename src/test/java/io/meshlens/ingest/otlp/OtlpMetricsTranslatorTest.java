package io.meshlens.ingest.otlp;

import static io.meshlens.ingest.otlp.Otlp.CUMULATIVE;
import static io.meshlens.ingest.otlp.Otlp.DELTA;
import static io.meshlens.ingest.otlp.Otlp.attr;
import static io.meshlens.ingest.otlp.Otlp.gauge;
import static io.meshlens.ingest.otlp.Otlp.histogram;
import static io.meshlens.ingest.otlp.Otlp.point;
import static io.meshlens.ingest.otlp.Otlp.request;
import static io.meshlens.ingest.otlp.Otlp.resource;
import static io.meshlens.ingest.otlp.Otlp.sum;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;

import com.google.protobuf.InvalidProtocolBufferException;
import io.meshlens.ingest.otlp.RecordingSink.Discard;
import io.meshlens.ingest.otlp.RecordingSink.Sample;
import io.meshlens.ingest.otlp.RecordingSink.Start;
import io.meshlens.model.Labels;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtlpMetricsTranslatorTest {

  /** 2023-11-14T22:13:20.123456789Z. */
  static final long T = 1_700_000_000_123_456_789L;

  static final long T_MS = 1_700_000_000_123L;
  static final long START = 1_699_999_000_000_000_000L;
  static final long START_MS = 1_699_999_000_000L;
  static final int NO_RECORDED_VALUE = DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE;

  final OtlpMetricsTranslator translator = new OtlpMetricsTranslator(TranslatorSettings.defaults());

  RecordingSink translate(ExportMetricsServiceRequest request) {
    return RecordingSink.translate(translator, request);
  }

  static Sample sample(Labels labels, double value) {
    return new Sample(labels, T_MS, value);
  }

  @Test
  void gaugeWithUnitAndResourceLabels() {
    Resource resource =
        resource(
            "service.name", "productpage",
            "k8s.cluster.name", "east",
            "k8s.namespace.name", "bookinfo",
            "k8s.pod.name", "productpage-v1-6b746f74dc-9stvs",
            "host.name", "node-1");
    Metric metric =
        gauge(
            "k8s.pod.memory.working_set",
            "By",
            Otlp.point(T, 0, attr("container", "istio-proxy")).setAsInt(52_428_800));

    RecordingSink sink = translate(request(resource, metric));

    assertThat(sink.samples)
        .containsExactly(
            sample(
                Labels.of(
                    "__name__", "k8s_pod_memory_working_set_bytes",
                    "container", "istio-proxy",
                    "job", "productpage",
                    "k8s_cluster_name", "east",
                    "k8s_namespace_name", "bookinfo",
                    "k8s_pod_name", "productpage-v1-6b746f74dc-9stvs"),
                52_428_800));
    assertThat(sink.discards).isEmpty();
    assertThat(sink.starts).isEmpty();
  }

  @Test
  void monotonicSumIsACounterWithTotalAndReportsItsStart() {
    Metric metric =
        sum(
            "istio.requests",
            "{request}",
            true,
            CUMULATIVE,
            point(T, 6, attr("response_code", "200")).setStartTimeUnixNano(START),
            point(T, 5, attr("response_code", "503")));

    RecordingSink sink = translate(request(metric));

    Labels ok = Labels.of("__name__", "istio_requests_total", "response_code", "200");
    Labels failed = Labels.of("__name__", "istio_requests_total", "response_code", "503");
    assertThat(sink.samples).containsExactly(sample(ok, 6), sample(failed, 5));
    assertThat(sink.starts).containsExactly(new Start(ok, START_MS));
  }

  @Test
  void nameAlreadyEndingInTotalIsNotDoubled() {
    RecordingSink sink =
        translate(request(sum("istio_requests_total", "", true, CUMULATIVE, point(T, 1))));

    assertThat(sink.samples)
        .containsExactly(sample(Labels.of("__name__", "istio_requests_total"), 1));
  }

  @Test
  void nonMonotonicSumIsAPlainSeries() {
    Metric metric =
        sum(
            "http.server.active_requests",
            "{request}",
            false,
            CUMULATIVE,
            point(T, 3).setStartTimeUnixNano(START));

    RecordingSink sink = translate(request(metric));

    assertThat(sink.samples)
        .containsExactly(sample(Labels.of("__name__", "http_server_active_requests"), 3));
    assertThat(sink.starts).isEmpty();
  }

  @Test
  void gaugeOfUnitOneGetsRatio() {
    RecordingSink sink = translate(request(gauge("cpu.utilization", "1", point(T, 0.25))));

    assertThat(sink.samples)
        .containsExactly(sample(Labels.of("__name__", "cpu_utilization_ratio"), 0.25));
  }

  @Test
  void histogramBecomesCumulativeBucketsSumAndCount() {
    HistogramDataPoint.Builder point =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setStartTimeUnixNano(START)
            .addAttributes(attr("reporter", "destination"))
            .addAllExplicitBounds(List.of(0.005, 0.5, 1.0, 1000.0))
            .addAllBucketCounts(List.of(1L, 2L, 0L, 3L, 4L))
            .setCount(10)
            .setSum(1234.5);

    RecordingSink sink =
        translate(request(histogram("istio.request.duration", "ms", CUMULATIVE, point)));

    String name = "istio_request_duration_milliseconds";
    assertThat(sink.byText())
        .containsExactly(
            entry(name + "_sum{reporter=\"destination\"}", 1234.5),
            entry(name + "_count{reporter=\"destination\"}", 10.0),
            entry(name + "_bucket{le=\"0.005\", reporter=\"destination\"}", 1.0),
            entry(name + "_bucket{le=\"0.5\", reporter=\"destination\"}", 3.0),
            entry(name + "_bucket{le=\"1\", reporter=\"destination\"}", 3.0),
            entry(name + "_bucket{le=\"1000\", reporter=\"destination\"}", 6.0),
            entry(name + "_bucket{le=\"+Inf\", reporter=\"destination\"}", 10.0));
    assertThat(sink.samples).allSatisfy(s -> assertThat(s.timestampMillis()).isEqualTo(T_MS));
    assertThat(sink.starts)
        .hasSize(7)
        .allSatisfy(s -> assertThat(s.startTimestampMillis()).isEqualTo(START_MS));
  }

  @Test
  void histogramWithoutSumHasNoSumSeriesAndInfTakesTheCount() {
    HistogramDataPoint.Builder point =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .addAllExplicitBounds(List.of(1.0))
            .addAllBucketCounts(List.of(2L, 1L))
            .setCount(7);

    RecordingSink sink = translate(request(histogram("latency", "", CUMULATIVE, point)));

    assertThat(sink.byText())
        .containsExactly(
            entry("latency_count{}", 7.0),
            entry("latency_bucket{le=\"1\"}", 2.0),
            entry("latency_bucket{le=\"+Inf\"}", 7.0));
  }

  @Test
  void histogramWithOnlyACount() {
    HistogramDataPoint.Builder point =
        HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(4).setSum(2);

    RecordingSink sink = translate(request(histogram("latency", "s", CUMULATIVE, point)));

    assertThat(sink.byText())
        .containsExactly(
            entry("latency_seconds_sum{}", 2.0),
            entry("latency_seconds_count{}", 4.0),
            entry("latency_seconds_bucket{le=\"+Inf\"}", 4.0));
  }

  @Test
  void histogramCountsAreUnsigned() {
    HistogramDataPoint.Builder point =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .addExplicitBounds(1)
            .addBucketCounts(-1L)
            .addBucketCounts(0)
            .setCount(-1L);

    RecordingSink sink = translate(request(histogram("h", "", CUMULATIVE, point)));

    assertThat(sink.byText())
        .containsExactly(
            entry("h_count{}", 18446744073709551615.0),
            entry("h_bucket{le=\"1\"}", 18446744073709551615.0),
            entry("h_bucket{le=\"+Inf\"}", 18446744073709551615.0));
  }

  @Test
  void attributeNamedLeStaysOnSumAndCountButNotOnBuckets() {
    HistogramDataPoint.Builder point =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .addAttributes(attr("le", "attribute"))
            .addExplicitBounds(2.5)
            .addAllBucketCounts(List.of(1L, 1L))
            .setCount(2)
            .setSum(3);

    RecordingSink sink = translate(request(histogram("h", "", CUMULATIVE, point)));

    assertThat(sink.byText())
        .containsExactly(
            entry("h_sum{le=\"attribute\"}", 3.0),
            entry("h_count{le=\"attribute\"}", 2.0),
            entry("h_bucket{le=\"2.5\"}", 1.0),
            entry("h_bucket{le=\"+Inf\"}", 2.0));
  }

  @Test
  void summaryBecomesQuantilesSumAndCount() {
    SummaryDataPoint.Builder point =
        SummaryDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setStartTimeUnixNano(START)
            .addAttributes(attr("grpc_method", "StreamAggregatedResources"))
            .setCount(13)
            .setSum(0.013316174)
            .addQuantileValues(quantile(0, 8.969e-06))
            .addQuantileValues(quantile(0.5, 0.000238037))
            .addQuantileValues(quantile(0.99, 0.005515511));
    Metric metric =
        Metric.newBuilder()
            .setName("go.gc.duration")
            .setUnit("s")
            .setSummary(Summary.newBuilder().addDataPoints(point))
            .build();

    RecordingSink sink = translate(request(metric));

    String labels = "grpc_method=\"StreamAggregatedResources\"";
    assertThat(sink.byText())
        .containsExactly(
            entry("go_gc_duration_seconds_sum{" + labels + "}", 0.013316174),
            entry("go_gc_duration_seconds_count{" + labels + "}", 13.0),
            entry("go_gc_duration_seconds{" + labels + ", quantile=\"0\"}", 8.969e-06),
            entry("go_gc_duration_seconds{" + labels + ", quantile=\"0.5\"}", 0.000238037),
            entry("go_gc_duration_seconds{" + labels + ", quantile=\"0.99\"}", 0.005515511));
    assertThat(sink.starts)
        .extracting(s -> s.labels().metricName())
        .containsExactly("go_gc_duration_seconds_sum", "go_gc_duration_seconds_count");
  }

  static SummaryDataPoint.ValueAtQuantile quantile(double q, double v) {
    return SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(q).setValue(v).build();
  }

  @Test
  void noRecordedValueGivesStaleMarkersOnEverySeries() {
    NumberDataPoint.Builder gaugePoint = point(T, 5).setFlags(NO_RECORDED_VALUE);
    NumberDataPoint.Builder counterPoint =
        point(T, 5).setFlags(NO_RECORDED_VALUE).setStartTimeUnixNano(START);
    HistogramDataPoint.Builder histogramPoint =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setFlags(NO_RECORDED_VALUE)
            .setStartTimeUnixNano(START)
            .addExplicitBounds(1)
            .addAllBucketCounts(List.of(0L, 0L))
            .setSum(0);
    SummaryDataPoint.Builder summaryPoint =
        SummaryDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setFlags(NO_RECORDED_VALUE)
            .addQuantileValues(quantile(0.5, 0));
    Metric summary =
        Metric.newBuilder()
            .setName("s")
            .setSummary(Summary.newBuilder().addDataPoints(summaryPoint))
            .build();

    RecordingSink sink =
        translate(
            request(
                gauge("g", "", gaugePoint),
                sum("c", "", true, CUMULATIVE, counterPoint),
                histogram("h", "", CUMULATIVE, histogramPoint),
                summary));

    assertThat(sink.samples)
        .extracting(s -> s.labels().toString())
        .containsExactly(
            "g{}",
            "c_total{}",
            "h_sum{}",
            "h_count{}",
            "h_bucket{le=\"1\"}",
            "h_bucket{le=\"+Inf\"}",
            "s_sum{}",
            "s_count{}",
            "s{quantile=\"0.5\"}");
    assertThat(sink.samples)
        .allSatisfy(
            s -> assertThat(Double.doubleToRawLongBits(s.value())).isEqualTo(0x7ff0000000000002L));
    assertThat(OtlpMetricsTranslator.STALE_NAN_BITS).isEqualTo(0x7ff0000000000002L);
    assertThat(sink.starts).isEmpty();
  }

  @Test
  void exponentialHistogramsBecomeClassicBucketsAtTwoPerPowerOfTwo() {
    // Scale 2 (base 2^(1/4)): positive buckets 4..7 are (2^1, 2^1.25], ..., (2^1.75, 2^2], which
    // merge into scale-1 buckets 2 and 3: (2, 2^1.5] and (2^1.5, 4]. Negative bucket 0 is
    // [-2^0.25, -1), part of scale-1 bucket 0: [-2^0.5, -1).
    ExponentialHistogramDataPoint.Builder p =
        ExponentialHistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setScale(2)
            .setCount(13)
            .setSum(25.5)
            .setZeroCount(2)
            .setPositive(
                ExponentialHistogramDataPoint.Buckets.newBuilder()
                    .setOffset(4)
                    .addBucketCounts(1)
                    .addBucketCounts(2)
                    .addBucketCounts(3)
                    .addBucketCounts(4))
            .setNegative(
                ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(0).addBucketCounts(1));
    ExponentialHistogram.Builder eh =
        ExponentialHistogram.newBuilder().setAggregationTemporality(CUMULATIVE).addDataPoints(p);
    Metric metric =
        Metric.newBuilder()
            .setName("rpc.server.duration")
            .setUnit("s")
            .setExponentialHistogram(eh)
            .build();

    RecordingSink sink = translate(request(metric));

    assertThat(sink.discards).isEmpty();
    assertThat(sink.byText())
        .containsExactly(
            entry("rpc_server_duration_seconds_sum{}", 25.5),
            entry("rpc_server_duration_seconds_count{}", 13.0),
            entry("rpc_server_duration_seconds_bucket{le=\"-1\"}", 1.0),
            entry("rpc_server_duration_seconds_bucket{le=\"0\"}", 3.0),
            entry("rpc_server_duration_seconds_bucket{le=\"2.8284271247461903\"}", 6.0),
            entry("rpc_server_duration_seconds_bucket{le=\"4\"}", 13.0),
            entry("rpc_server_duration_seconds_bucket{le=\"+Inf\"}", 13.0));
  }

  @Test
  void coarseExponentialHistogramsKeepTheirBounds() {
    // Scale -1 (base 4): bucket 1 is (4, 16]; its bound is also a scale-1 bound.
    ExponentialHistogramDataPoint.Builder p =
        ExponentialHistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setScale(-1)
            .setCount(5)
            .setPositive(
                ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(1).addBucketCounts(5));
    Metric metric =
        Metric.newBuilder()
            .setName("queue.size")
            .setExponentialHistogram(
                ExponentialHistogram.newBuilder()
                    .setAggregationTemporality(CUMULATIVE)
                    .addDataPoints(p))
            .build();

    RecordingSink sink = translate(request(metric));

    assertThat(sink.byText())
        .containsExactly(
            entry("queue_size_count{}", 5.0),
            entry("queue_size_bucket{le=\"0\"}", 0.0),
            entry("queue_size_bucket{le=\"16\"}", 5.0),
            entry("queue_size_bucket{le=\"+Inf\"}", 5.0));
  }

  @Test
  void deltaSumsAndHistogramsAreDiscarded() {
    HistogramDataPoint.Builder h =
        HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(1).addBucketCounts(1);

    RecordingSink sink =
        translate(
            request(
                sum("calls", "", true, DELTA, point(T, 1), point(T, 2)),
                histogram("latency", "ms", DELTA, h)));

    assertThat(sink.samples).isEmpty();
    assertThat(sink.discards)
        .containsExactly(
            new Discard("delta_temporality", "calls"),
            new Discard("delta_temporality", "calls"),
            new Discard("delta_temporality", "latency"));
  }

  @Test
  void unspecifiedTemporalityIsDiscarded() {
    RecordingSink sink =
        translate(
            request(
                sum(
                    "calls",
                    "",
                    true,
                    AggregationTemporality.AGGREGATION_TEMPORALITY_UNSPECIFIED,
                    point(T, 1))));

    assertThat(sink.samples).isEmpty();
    assertThat(sink.discards).containsExactly(new Discard("invalid_temporality", "calls"));
  }

  @Test
  void metricWithoutDataIsReportedOnce() {
    RecordingSink sink = translate(request(Metric.newBuilder().setName("empty").build()));

    assertThat(sink.discards).containsExactly(new Discard("unsupported_metric_type", "empty"));
  }

  @Test
  void metricNameWithNothingValidIsDiscarded() {
    RecordingSink sink = translate(request(gauge("@@@", "", point(T, 1), point(T, 2))));

    assertThat(sink.samples).isEmpty();
    assertThat(sink.discards)
        .containsExactly(
            new Discard("invalid_metric_name", "@@@"), new Discard("invalid_metric_name", "@@@"));
  }

  @Test
  void dataPointWithAnInvalidAttributeKeyIsDiscardedAlone() {
    RecordingSink sink =
        translate(
            request(gauge("g", "", point(T, 1, attr("__", "x")), point(T, 2, attr("a", "b")))));

    assertThat(sink.discards).containsExactly(new Discard("invalid_label_name", "g"));
    assertThat(sink.samples).containsExactly(sample(Labels.of("__name__", "g", "a", "b"), 2));
  }

  @Test
  void attributeNamesAreSanitized() {
    RecordingSink sink =
        translate(
            request(
                gauge(
                    "g",
                    "",
                    point(
                        T,
                        1,
                        attr("http.method", "GET"),
                        attr("123abc", "digit"),
                        attr("_private", "underscore"),
                        attr("__reserved", "kept"),
                        attr("net.peer:port", "colon")))));

    assertThat(sink.samples)
        .containsExactly(
            sample(
                Labels.of(
                    "__name__", "g",
                    "http_method", "GET",
                    "key_123abc", "digit",
                    "key_private", "underscore",
                    "__reserved", "kept",
                    "net_peer_port", "colon"),
                1));
  }

  @Test
  void attributeValuesAreStringified() {
    AnyValue array =
        AnyValue.newBuilder()
            .setArrayValue(
                ArrayValue.newBuilder()
                    .addValues(AnyValue.newBuilder().setStringValue("a"))
                    .addValues(AnyValue.newBuilder().setIntValue(2)))
            .build();

    RecordingSink sink =
        translate(
            request(
                gauge(
                    "g",
                    "",
                    point(
                        T,
                        1,
                        attr("int", AnyValue.newBuilder().setIntValue(200).build()),
                        attr("double", AnyValue.newBuilder().setDoubleValue(0.5).build()),
                        attr("bool", AnyValue.newBuilder().setBoolValue(true).build()),
                        attr("array", array),
                        attr("empty", "")))));

    assertThat(sink.samples)
        .containsExactly(
            sample(
                Labels.of(
                    "__name__", "g",
                    "array", "[\"a\",2]",
                    "bool", "true",
                    "double", "0.5",
                    "int", "200"),
                1));
  }

  @Test
  void keysThatSanitizeAlikeJoinTheirValuesInKeyOrder() {
    RecordingSink sink =
        translate(
            request(
                gauge("g", "", point(T, 1, attr("a_b", "second"), attr("a.b", "first"))),
                gauge("h", "", point(T, 1, attr("a.b", "x"), attr("a_b", ""))),
                gauge("i", "", point(T, 1, attr("a.b", ""), attr("a_b", "y")))));

    assertThat(sink.samples)
        .containsExactly(
            sample(Labels.of("__name__", "g", "a_b", "first;second"), 1),
            sample(Labels.of("__name__", "h", "a_b", "x;"), 1),
            sample(Labels.of("__name__", "i", "a_b", "y"), 1));
  }

  @Test
  void attributesWinOverPromotedResourceAttributesAndJobInstanceWinOverAttributes() {
    Resource resource =
        resource(
            "service.namespace", "bookinfo",
            "service.name", "reviews",
            "service.instance.id", "reviews-v2-7bf8c9648f-4dwl9",
            "k8s.pod.name", "from-resource",
            "k8s.namespace.name", "bookinfo");
    Metric metric =
        gauge(
            "g",
            "",
            point(
                T,
                1,
                attr("k8s.pod.name", "from-attribute"),
                attr("job", "attribute-job"),
                attr("instance", "attribute-instance")));

    RecordingSink sink = translate(request(resource, metric));

    assertThat(sink.samples)
        .containsExactly(
            sample(
                Labels.of(
                    "__name__", "g",
                    "instance", "reviews-v2-7bf8c9648f-4dwl9",
                    "job", "bookinfo/reviews",
                    "k8s_namespace_name", "bookinfo",
                    "k8s_pod_name", "from-attribute"),
                1));
  }

  @Test
  void onlyConfiguredResourceAttributesArePromoted() {
    OtlpMetricsTranslator custom =
        new OtlpMetricsTranslator(new TranslatorSettings(List.of("cloud.region")));
    Resource resource = resource("k8s.pod.name", "p", "cloud.region", "eu-west-1");

    RecordingSink sink =
        RecordingSink.translate(custom, request(resource, gauge("g", "", point(T, 1))));

    assertThat(sink.samples)
        .containsExactly(sample(Labels.of("__name__", "g", "cloud_region", "eu-west-1"), 1));
  }

  @Test
  void promotedNamesMustBeUsableAsLabels() {
    assertThatThrownBy(() -> new TranslatorSettings(List.of("...")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"...\"");
  }

  @Test
  void timestampsAreTruncatedToMilliseconds() {
    RecordingSink sink =
        translate(request(gauge("g", "", point(1_999_999, 1), point(2_000_000, 2), point(0, 3))));

    assertThat(sink.samples).extracting(Sample::timestampMillis).containsExactly(1L, 2L, 0L);
  }

  @Test
  void integerAndUnsetValues() {
    RecordingSink sink =
        translate(
            request(
                gauge(
                    "g",
                    "",
                    NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(-42),
                    NumberDataPoint.newBuilder().setTimeUnixNano(T))));

    assertThat(sink.samples).extracting(Sample::value).containsExactly(-42.0, 0.0);
  }

  @Test
  void parseJsonAcceptsOtlpJsonSpellings() throws InvalidProtocolBufferException {
    String json =
        """
        {"resourceMetrics":[{"resource":{"attributes":[
          {"key":"service.name","value":{"stringValue":"istiod"}}]},
         "scopeMetrics":[{"metrics":[
          {"name":"pilot_xds_pushes","someFutureField":{"x":1},
           "sum":{"aggregationTemporality":"AGGREGATION_TEMPORALITY_CUMULATIVE","isMonotonic":true,
                  "dataPoints":[{"timeUnixNano":1700000000123456789,"asInt":"42",
                                 "exemplars":[{"traceId":"5b8efff798038103d269b633813fc60c",
                                               "spanId":"eee19b7ec3c1b174","asDouble":1}]}]}}]}]}]}
        """;

    ExportMetricsServiceRequest request =
        OtlpMetricsTranslator.parseJson(json.getBytes(StandardCharsets.UTF_8));
    RecordingSink sink = translate(request);

    assertThat(sink.samples)
        .containsExactly(
            sample(Labels.of("__name__", "pilot_xds_pushes_total", "job", "istiod"), 42));
  }

  @Test
  void parseJsonRejectsNonOtlp() {
    assertThatThrownBy(
            () ->
                OtlpMetricsTranslator.parseJson(
                    "{\"resourceMetrics\": 3".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }
}
