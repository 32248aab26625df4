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
import static org.assertj.core.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import io.meshlens.ingest.otlp.PrometheusNaming.MetricType;
import io.meshlens.model.Labels;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.meshlens.testdata.PromTextToOtlp;
import io.meshlens.testdata.RealData;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.DataPointFlags;
import io.opentelemetry.proto.metrics.v1.Exemplar;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogram;
import io.opentelemetry.proto.metrics.v1.ExponentialHistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Differential test of {@link OtlpMetricsTranslator#translateProtobuf}, the path that reads
 * protobuf bytes directly, against the reference path ({@code
 * ExportMetricsServiceRequest.parseFrom} then {@link OtlpMetricsTranslator#translate}): whenever
 * the direct path takes a message, every call it makes on the sink (samples with their value bits,
 * start times, histogram shapes, discards, metadata) must be the reference's, in the same order,
 * and protobuf must accept the bytes too; when it declines, it must not have called the sink at
 * all. Inputs: the real OTLP metrics files, the simulator, the edge cases of the translator tests,
 * and damaged copies of all of them (every truncation, flipped bytes, invalid UTF-8, unknown
 * fields, merged messages).
 */
class OtlpProtobufReaderTest {

  private static final long T = 1_700_000_000_123_456_789L;
  private final OtlpMetricsTranslator translator =
      new OtlpMetricsTranslator(TranslatorSettings.defaults());
  private final OtlpMetricsTranslator reference =
      new OtlpMetricsTranslator(TranslatorSettings.defaults());

  /** Every call on the sink as text, values as raw bits. */
  private static final class EventSink implements SampleSink {
    final List<String> events = new ArrayList<>();
    final boolean delta;

    EventSink(boolean delta) {
      this.delta = delta;
    }

    private static String v(double value) {
      return Long.toHexString(Double.doubleToRawLongBits(value));
    }

    @Override
    public void accept(Labels labels, long t, double value) {
      events.add("accept " + labels + " " + t + " " + v(value));
    }

    @Override
    public void acceptCumulative(Labels labels, long t, double value, long start) {
      events.add("cumulative " + labels + " " + t + " " + v(value) + " " + start);
    }

    @Override
    public void acceptHistogram(
        Labels point, HistogramSeries series, long t, double[] values, long start) {
      StringBuilder sb = new StringBuilder("histogram " + point + " " + t + " " + start);
      for (int i = 0; i < values.length; i++) {
        sb.append("\n  ").append(series.labels(point, i)).append(' ').append(v(values[i]));
      }
      events.add(sb.toString());
    }

    @Override
    public void discard(String reason, String metricName) {
      events.add("discard " + reason + " " + metricName);
    }

    @Override
    public void metadata(String family, String type, String help, String unit) {
      events.add("metadata " + family + " " + type + " " + help + " " + unit);
    }

    @Override
    public boolean acceptsDelta() {
      return delta;
    }

    @Override
    public void acceptDelta(Labels labels, long t, double value) {
      events.add("delta " + labels + " " + t + " " + v(value));
    }
  }

  /** Compares both paths on {@code bytes}; true when the direct path took them. */
  private boolean same(byte[] bytes) {
    boolean took = false;
    for (boolean delta : new boolean[] {false, true}) {
      EventSink direct = new EventSink(delta);
      boolean t = translator.translateProtobuf(bytes, direct);
      if (!t) {
        assertThat(direct.events).as("declined after calling the sink").isEmpty();
        continue;
      }
      took = true;
      ExportMetricsServiceRequest request;
      try {
        request = ExportMetricsServiceRequest.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        fail("the direct path took bytes protobuf rejects: " + e.getMessage());
        return false;
      }
      assertThat(request.getUnknownFields().asMap()).isEmpty();
      EventSink ref = new EventSink(delta);
      reference.translate(request, ref);
      assertThat(direct.events).containsExactlyElementsOf(ref.events);
    }
    return took;
  }

  private static Map<String, String> k8s() {
    Map<String, String> resource = new LinkedHashMap<>();
    resource.put("k8s.cluster.name", "east");
    resource.put("k8s.namespace.name", "bookinfo");
    resource.put("k8s.pod.name", "productpage-v1-6b746f74dc-9stvs");
    resource.put("service.name", "productpage");
    resource.put("service.instance.id", "10.0.0.7:15090");
    return resource;
  }

  private static ExportMetricsServiceRequest commonTypesOnly(ExportMetricsServiceRequest r) {
    ExportMetricsServiceRequest.Builder b = r.toBuilder();
    for (var rm : b.getResourceMetricsBuilderList()) {
      for (var sm : rm.getScopeMetricsBuilderList()) {
        List<Metric> kept = new ArrayList<>();
        for (Metric m : sm.getMetricsList()) {
          if (m.getDataCase() != Metric.DataCase.SUMMARY
              && m.getDataCase() != Metric.DataCase.EXPONENTIAL_HISTOGRAM) {
            kept.add(m);
          }
        }
        sm.clearMetrics().addAllMetrics(kept);
      }
    }
    return b.build();
  }

  private static ExportMetricsServiceRequest cumulative(ExportMetricsServiceRequest r) {
    ExportMetricsServiceRequest.Builder b = r.toBuilder();
    for (var rm : b.getResourceMetricsBuilderList()) {
      for (var sm : rm.getScopeMetricsBuilderList()) {
        for (var m : sm.getMetricsBuilderList()) {
          if (m.hasSum()) {
            m.getSumBuilder().setAggregationTemporality(CUMULATIVE);
          }
          if (m.hasHistogram()) {
            m.getHistogramBuilder().setAggregationTemporality(CUMULATIVE);
          }
        }
      }
    }
    return b.build();
  }

  /** The real OTLP metrics: the OTLP example and the Istio scrapes as the Collector sends them. */
  private static Map<String, ExportMetricsServiceRequest> realRequests() throws Exception {
    Map<String, ExportMetricsServiceRequest> real = new LinkedHashMap<>();
    ExportMetricsServiceRequest example =
        OtlpMetricsTranslator.parseJson(RealData.bytes("otlp-proto__examples_metrics.json"));
    real.put("example", example);
    real.put("example, cumulative", cumulative(example));
    real.put("example, cumulative, common types only", commonTypesOnly(cumulative(example)));
    real.put(
        "istio-proxy",
        PromTextToOtlp.convert(RealData.read("istio-proxy-1.7.1.prom"), k8s(), 1_700_000_000_000L));
    ExportMetricsServiceRequest istiod =
        PromTextToOtlp.convert(RealData.read("istiod-1.7.1.prom"), k8s(), 1_700_000_000_000L);
    real.put("istiod", istiod);
    real.put("istiod, common types only", commonTypesOnly(istiod));
    return real;
  }

  @Test
  void realDataGivesTheSameSamplesOnBothPaths() throws Exception {
    Map<String, ExportMetricsServiceRequest> real = realRequests();
    for (var e : real.entrySet()) {
      boolean took = same(e.getValue().toByteArray());
      String text = e.getValue().toString();
      boolean leftToProtobuf = text.contains("summary {") || text.contains("exponential_histogram");
      // Summaries and exponential histograms are left to the reference path.
      assertThat(took).as(e.getKey()).isEqualTo(!leftToProtobuf);
    }
    assertThat(real.get("istiod").toString()).contains("summary {");
    assertThat(same(real.get("example, cumulative, common types only").toByteArray())).isTrue();
  }

  @Test
  void simulatorOutputGivesTheSameSamplesOnBothPaths() {
    SimulatorSettings settings =
        SimulatorSettings.defaults().withExtraTenants(3).withRequestsPerSecond(200);
    Instant start = Instant.parse("2026-11-01T00:00:00Z");
    MeshSimulator sim = new MeshSimulator(settings, start);
    int messages = 0;
    for (int i = 1; i <= 3; i++) {
      TickOutput out = sim.tick(start.plusSeconds(15L * i));
      for (ExportMetricsServiceRequest r : out.metrics()) {
        assertThat(same(r.toByteArray())).isTrue();
        for (ResourceMetrics rm : r.getResourceMetricsList()) {
          byte[] one =
              ExportMetricsServiceRequest.newBuilder().addResourceMetrics(rm).build().toByteArray();
          assertThat(same(one)).isTrue();
          messages++;
        }
      }
    }
    assertThat(messages).isGreaterThan(50);
  }

  @Test
  void canonicalLabelsHoldTheVeryStringsThatLaterReadsOfTheSameSeriesHold() {
    SimulatorSettings settings =
        SimulatorSettings.defaults().withExtraTenants(3).withRequestsPerSecond(200);
    Instant start = Instant.parse("2026-11-01T00:00:00Z");
    MeshSimulator sim = new MeshSimulator(settings, start);
    byte[] first = sim.tick(start.plusSeconds(15)).metrics().get(0).toByteArray();
    byte[] second = sim.tick(start.plusSeconds(30)).metrics().get(0).toByteArray();
    Map<Labels, Labels> canonical = new java.util.HashMap<>();
    SampleSink keep =
        new SampleSink() {
          @Override
          public void accept(Labels labels, long t, double value) {
            canonical.put(labels, translator.canonical(labels));
          }

          @Override
          public void acceptHistogram(
              Labels point, HistogramSeries series, long t, double[] values, long start) {
            canonical.put(point, translator.canonical(point));
          }
        };
    assertThat(translator.translateProtobuf(first, keep)).isTrue();
    int[] compared = {0};
    SampleSink check =
        new SampleSink() {
          @Override
          public void accept(Labels labels, long t, double value) {
            compare(labels);
          }

          @Override
          public void acceptHistogram(
              Labels point, HistogramSeries series, long t, double[] values, long start) {
            compare(point);
          }

          private void compare(Labels labels) {
            Labels key = canonical.get(labels);
            if (key == null) {
              return; // a series new in the second export
            }
            assertThat(key).isEqualTo(labels);
            for (int i = 0; i < labels.size(); i++) {
              assertThat(key.name(i)).isSameAs(labels.name(i));
              assertThat(key.value(i)).isSameAs(labels.value(i));
            }
            compared[0]++;
          }
        };
    assertThat(translator.translateProtobuf(second, check)).isTrue();
    assertThat(compared[0]).isGreaterThan(100);
    // Labels from elsewhere come back equal, with the shared copies where there are some.
    Labels fresh = Labels.of("__name__", new String("up"), "job", new String("x/y"));
    assertThat(translator.canonical(fresh)).isEqualTo(fresh);
  }

  private static AnyValue any(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }

  /** The cases of the translator's own tests, and a few more. */
  static List<ExportMetricsServiceRequest> edgeCases() {
    List<ExportMetricsServiceRequest> cases = new ArrayList<>();
    var res =
        resource(
            "k8s.namespace.name",
            "ns",
            "k8s.pod.name",
            "p-1",
            "service.name",
            "svc",
            "service.namespace",
            "team",
            "service.instance.id",
            "i-1",
            "service.name",
            "second",
            "k8s.cluster.name",
            "c1",
            "other",
            "x");
    cases.add(request(res, gauge("cpu.utilization", "1", point(T, 0.5, attr("a.b", "v")))));
    cases.add(
        request(
            res,
            sum(
                "http.requests",
                "{request}",
                true,
                CUMULATIVE,
                point(T, 3, attr("code", "200")).setStartTimeUnixNano(T - 60_000_000_000L),
                point(T, 4, attr("code", "500")))));
    cases.add(request(res, sum("istio_requests_total", "", true, CUMULATIVE, point(T, 1))));
    cases.add(request(sum("active", "", false, CUMULATIVE, point(T, 7).setStartTimeUnixNano(5))));
    cases.add(request(sum("d", "By", true, DELTA, point(T, 2), point(T + 1, 3))));
    cases.add(
        request(
            sum(
                "u",
                "s",
                true,
                AggregationTemporality.AGGREGATION_TEMPORALITY_UNSPECIFIED,
                point(T, 1))));
    cases.add(
        request(
            Metric.newBuilder()
                .setName("weird.temporality")
                .setSum(
                    io.opentelemetry.proto.metrics.v1.Sum.newBuilder()
                        .setAggregationTemporalityValue(7)
                        .addDataPoints(point(T, 1)))
                .build()));
    HistogramDataPoint.Builder h =
        HistogramDataPoint.newBuilder()
            .setTimeUnixNano(T)
            .setStartTimeUnixNano(T - 1_000_000_000L)
            .setCount(10)
            .setSum(12.5)
            .addAllExplicitBounds(List.of(0.005, 0.5, 1.0, 1e-7, 3600000.0))
            .addAllBucketCounts(List.of(1L, 2L, 3L, 0L, 4L, 0L))
            .addAttributes(attr("le", "x"))
            .addAttributes(attr("route", "/a"));
    cases.add(request(res, histogram("http.server.duration", "ms", CUMULATIVE, h, h.clone())));
    cases.add(request(histogram("h", "s", DELTA, h.clone())));
    cases.add(request(histogram("nosum", "", CUMULATIVE, h.clone().clearSum().setCount(-1))));
    cases.add(
        request(
            histogram(
                "fewer.counts",
                "",
                CUMULATIVE,
                h.clone().clearBucketCounts().addAllBucketCounts(List.of(5L, -2L)))));
    cases.add(
        request(
            histogram(
                "only.count",
                "",
                CUMULATIVE,
                HistogramDataPoint.newBuilder().setTimeUnixNano(T).setCount(3))));
    cases.add(
        request(
            histogram(
                "two.shapes",
                "",
                CUMULATIVE,
                h.clone(),
                h.clone().clearExplicitBounds().addAllExplicitBounds(List.of(1.0, 2.0)),
                h.clone(),
                h.clone().setFlags(DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE))));
    int stale = DataPointFlags.DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK_VALUE;
    cases.add(
        request(
            res,
            sum("stale", "", true, CUMULATIVE, point(T, 1).setFlags(stale).setStartTimeUnixNano(9)),
            sum("stale.delta", "", true, DELTA, point(T, 1).setFlags(stale)),
            gauge("stale.gauge", "", point(T, 1).setFlags(stale | 4))));
    cases.add(request(Metric.newBuilder().setName("no.data").build()));
    cases.add(request(gauge("@#$%", "", point(T, 1), point(T, 2))));
    cases.add(request(histogram("@@", "", CUMULATIVE, h.clone())));
    cases.add(request(gauge("empty.points", "")));
    cases.add(
        request(
            gauge(
                "labels",
                "",
                point(T, 1, attr("", "x")),
                point(T, 2, attr("__", "x")),
                point(T, 3, attr("ようこそ", "x")),
                point(T, 4, attr("123label", "x"), attr("_private", "y"), attr("__reserved", "z")),
                point(T, 5, attr("字符", "x"), attr("a..b", "y"), attr("_", "w")),
                point(T, 6, attr("a.b", "first"), attr("a_b", "second"), attr("a-b", "")),
                point(T, 7, attr("x", ""), attr("x", "dup")),
                point(T, 8, attr("job", "j"), attr("instance", "i"), attr("k8s.pod.name", "mine")),
                point(T, 9, attr("ok", "1"), attr("", "bad")))));
    cases.add(
        request(
            gauge(
                "values",
                "",
                point(
                    T,
                    1,
                    attr("i", AnyValue.newBuilder().setIntValue(-200).build()),
                    attr("zero", AnyValue.newBuilder().setIntValue(0).build()),
                    attr("d", AnyValue.newBuilder().setDoubleValue(1e-7).build()),
                    attr("big", AnyValue.newBuilder().setDoubleValue(1e21).build()),
                    attr("nan", AnyValue.newBuilder().setDoubleValue(Double.NaN).build()),
                    attr(
                        "inf",
                        AnyValue.newBuilder().setDoubleValue(Double.NEGATIVE_INFINITY).build()),
                    attr("t", AnyValue.newBuilder().setBoolValue(true).build()),
                    attr("f", AnyValue.newBuilder().setBoolValue(false).build()),
                    attr(
                        "bytes",
                        AnyValue.newBuilder()
                            .setBytesValue(ByteString.copyFrom(new byte[] {1, 2, (byte) 250}))
                            .build()),
                    attr("none", AnyValue.getDefaultInstance()),
                    attr("unicode", any("naïve ☃ 𝄞"))))));
    cases.add(
        request(
            gauge(
                "ints",
                "",
                NumberDataPoint.newBuilder().setTimeUnixNano(T).setAsInt(Long.MIN_VALUE),
                NumberDataPoint.newBuilder().setTimeUnixNano(T + 1_000_000),
                NumberDataPoint.newBuilder().setTimeUnixNano(-5_500_000))));
    cases.add(
        request(
            gauge(
                "with.exemplar",
                "",
                point(T, 1)
                    .addExemplars(
                        Exemplar.newBuilder()
                            .setAsDouble(2)
                            .setTimeUnixNano(T)
                            .setSpanId(ByteString.copyFrom(new byte[8]))
                            .addFilteredAttributes(attr("trace", "x"))))));
    // Left to the reference path: array values, exponential histograms, summaries.
    cases.add(
        request(
            gauge(
                "array",
                "",
                point(
                    T,
                    1,
                    attr(
                        "arr",
                        AnyValue.newBuilder()
                            .setArrayValue(ArrayValue.newBuilder().addValues(any("a")))
                            .build())))));
    cases.add(
        request(
            Metric.newBuilder()
                .setName("exp")
                .setExponentialHistogram(
                    ExponentialHistogram.newBuilder()
                        .setAggregationTemporality(CUMULATIVE)
                        .addDataPoints(
                            ExponentialHistogramDataPoint.newBuilder()
                                .setTimeUnixNano(T)
                                .setCount(1)
                                .setScale(3)))
                .build()));
    cases.add(
        request(
            Metric.newBuilder()
                .setName("summary")
                .setSummary(
                    Summary.newBuilder()
                        .addDataPoints(
                            SummaryDataPoint.newBuilder().setTimeUnixNano(T).setCount(2).setSum(3)))
                .build()));
    // Several resources in one request, one without a resource at all.
    cases.add(
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(cases.get(0).getResourceMetrics(0))
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .setSchemaUrl("https://x")
                    .addScopeMetrics(
                        cases.get(1).getResourceMetrics(0).getScopeMetrics(0).toBuilder()
                            .setScope(
                                io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder()
                                    .setName("scope")
                                    .setVersion("1")
                                    .addAttributes(attr("s", "v")))))
            .addResourceMetrics(cases.get(7).getResourceMetrics(0))
            .build());
    return cases;
  }

  @Test
  void edgeCasesGiveTheSameSamplesOnBothPaths() {
    List<ExportMetricsServiceRequest> cases = edgeCases();
    int taken = 0;
    for (ExportMetricsServiceRequest r : cases) {
      boolean took = same(r.toByteArray());
      String text = r.toString();
      boolean declined =
          text.contains("array_value")
              || text.contains("exponential_histogram")
              || text.contains("summary {");
      assertThat(took).as(text).isEqualTo(!declined);
      taken += took ? 1 : 0;
    }
    assertThat(taken).isEqualTo(cases.size() - 3);
  }

  @Test
  void unknownFieldsAndMergedMessagesAreLeftToProtobuf() {
    ExportMetricsServiceRequest r = edgeCases().get(0);
    UnknownFieldSet unknown =
        UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
            .build();
    assertThat(same(r.toBuilder().setUnknownFields(unknown).build().toByteArray())).isFalse();
    ExportMetricsServiceRequest nested =
        r.toBuilder()
            .setResourceMetrics(0, r.getResourceMetrics(0).toBuilder().setUnknownFields(unknown))
            .build();
    assertThat(same(nested.toByteArray())).isFalse();
    // A resource given twice is merged by protobuf: left to it.
    byte[] rm = r.getResourceMetrics(0).toByteArray();
    byte[] resourceAgain = r.getResourceMetrics(0).getResource().toByteArray();
    ByteString twice =
        ByteString.copyFrom(rm)
            .concat(ByteString.copyFrom(new byte[] {0x0A, (byte) resourceAgain.length}))
            .concat(ByteString.copyFrom(resourceAgain));
    byte[] merged =
        ByteString.copyFrom(new byte[] {0x0A, (byte) twice.size(), (byte) (twice.size() >> 7)})
            .concat(twice)
            .toByteArray();
    if (twice.size() < 128) {
      merged =
          ByteString.copyFrom(new byte[] {0x0A, (byte) twice.size()}).concat(twice).toByteArray();
    } else {
      merged[1] = (byte) (twice.size() | 0x80);
    }
    assertThat(same(merged)).isFalse();
    // Two requests one after the other are one request with all their resources.
    byte[] a = edgeCases().get(1).toByteArray();
    byte[] both = ByteString.copyFrom(r.toByteArray()).concat(ByteString.copyFrom(a)).toByteArray();
    assertThat(same(both)).isTrue();
  }

  @Test
  void invalidUtf8InAnyStringIsRejectedAsProtobufRejectsIt() throws Exception {
    int checked = 0;
    for (ExportMetricsServiceRequest r : edgeCases()) {
      byte[] bytes = r.toByteArray();
      for (String s : List.of("cpu.utilization", "code", "200", "ns", "route", "/a", "trace")) {
        byte[] needle = s.getBytes(StandardCharsets.UTF_8);
        int at = indexOf(bytes, needle);
        if (at < 0) {
          continue;
        }
        byte[] broken = bytes.clone();
        broken[at] = (byte) 0xC0;
        assertThat(same(broken)).as(s).isFalse();
        checked++;
        try {
          ExportMetricsServiceRequest.parseFrom(broken);
          fail("protobuf took invalid UTF-8 in " + s);
        } catch (InvalidProtocolBufferException expected) {
          // The pipeline dead-letters it, on either path.
        }
      }
    }
    assertThat(checked).isGreaterThan(5);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  @Test
  void damagedBytesAreEitherTranslatedAlikeOrLeftToProtobuf() throws Exception {
    List<byte[]> inputs = new ArrayList<>();
    for (ExportMetricsServiceRequest r : edgeCases()) {
      inputs.add(r.toByteArray());
    }
    inputs.add(realRequests().get("example, cumulative").toByteArray());
    SplittableRandom random = new SplittableRandom(7);
    int taken = 0;
    int declined = 0;
    for (byte[] bytes : inputs) {
      // Every truncation.
      for (int n = 1; n < bytes.length; n++) {
        byte[] cut = java.util.Arrays.copyOf(bytes, n);
        if (same(cut)) {
          taken++;
        } else {
          declined++;
        }
      }
      // Flipped and replaced bytes.
      for (int k = 0; k < 300; k++) {
        byte[] damaged = bytes.clone();
        int flips = 1 + random.nextInt(3);
        for (int f = 0; f < flips; f++) {
          int at = random.nextInt(damaged.length);
          damaged[at] =
              random.nextBoolean()
                  ? (byte) (damaged[at] ^ (1 << random.nextInt(8)))
                  : (byte) random.nextInt(256);
        }
        if (same(damaged)) {
          taken++;
        } else {
          declined++;
        }
      }
    }
    // Both outcomes happen: the comparison above is exercised, not vacuous.
    assertThat(taken).isGreaterThan(100);
    assertThat(declined).isGreaterThan(100);
  }

  /** The attributes of a read request, as text, with the runs of its resources and points. */
  private static List<String> attributesOf(OtlpProtobufReader r) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < r.attributes.size; i++) {
      out.add(r.attributes.keys[i] + "|" + r.attributes.names[i] + "|" + r.attributes.values[i]);
    }
    for (int i = 0; i < r.resourceCount; i++) {
      out.add("resource " + r.resourceAttrFrom[i] + ".." + r.resourceAttrTo[i]);
    }
    for (int p = 0; p < r.pointCount; p++) {
      out.add("point " + r.pointAttrFrom[p] + ".." + r.pointAttrTo[p]);
    }
    return out;
  }

  private static List<byte[]> simulatorMessages(int ticks) {
    SimulatorSettings settings =
        SimulatorSettings.defaults().withExtraTenants(3).withRequestsPerSecond(200);
    Instant start = Instant.parse("2026-11-01T00:00:00Z");
    MeshSimulator sim = new MeshSimulator(settings, start);
    List<byte[]> messages = new ArrayList<>();
    for (int i = 1; i <= ticks; i++) {
      for (ExportMetricsServiceRequest r : sim.tick(start.plusSeconds(15L * i)).metrics()) {
        for (ResourceMetrics rm : r.getResourceMetricsList()) {
          messages.add(
              ExportMetricsServiceRequest.newBuilder()
                  .addResourceMetrics(rm)
                  .build()
                  .toByteArray());
        }
      }
    }
    return messages;
  }

  @Test
  void attributeRunsReadBeforeAreServedWholeAndGiveWhatReadingThemGives() {
    OtlpProtobufReader reused = new OtlpProtobufReader(PrometheusNaming::labelName, s -> s);
    List<byte[]> messages = simulatorMessages(2);
    int served = 0;
    for (byte[] m : messages) {
      assertThat(reused.read(m)).isTrue();
      List<OtlpProtobufReader.Block> firstBlocks = new ArrayList<>();
      for (int p = 0; p < reused.pointCount; p++) {
        firstBlocks.add(reused.pointBlock[p]);
      }
      assertThat(reused.read(m)).isTrue();
      OtlpProtobufReader fresh = new OtlpProtobufReader(PrometheusNaming::labelName, s -> s);
      assertThat(fresh.read(m)).isTrue();
      assertThat(attributesOf(reused)).isEqualTo(attributesOf(fresh));
      for (int p = 0; p < reused.pointCount; p++) {
        // The same run is the same block: what caches keyed by it rely on.
        assertThat(reused.pointBlock[p]).isNotNull().isSameAs(firstBlocks.get(p));
        served++;
      }
      assertThat(reused.resourceBlock[0]).isNotNull().isNotSameAs(OtlpProtobufReader.Block.EMPTY);
    }
    assertThat(served).isGreaterThan(1000);
  }

  @Test
  void aFullRunTableStartsOverAndStillGivesWhatReadingGives() {
    OtlpProtobufReader.BlockTable small = new OtlpProtobufReader.BlockTable(64, 4096);
    OtlpProtobufReader reused = new OtlpProtobufReader(PrometheusNaming::labelName, s -> s, small);
    List<byte[]> messages = simulatorMessages(2);
    for (byte[] m : messages) {
      assertThat(reused.read(m)).isTrue();
      OtlpProtobufReader fresh = new OtlpProtobufReader(PrometheusNaming::labelName, s -> s);
      assertThat(fresh.read(m)).isTrue();
      assertThat(attributesOf(reused)).isEqualTo(attributesOf(fresh));
    }
    assertThat(small.generation()).isGreaterThan(10);
  }

  /** A length-delimited field: tag, length, bytes. */
  private static byte[] field(int number, byte[]... parts) throws Exception {
    java.io.ByteArrayOutputStream payload = new java.io.ByteArrayOutputStream();
    for (byte[] p : parts) {
      payload.write(p);
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    com.google.protobuf.CodedOutputStream c =
        com.google.protobuf.CodedOutputStream.newInstance(out);
    c.writeByteArray(number, payload.toByteArray());
    c.flush();
    return out.toByteArray();
  }

  @Test
  void attributesInSeveralRunsAreReadOneByOneAndTranslateAlike() throws Exception {
    // A data point whose attributes are split by its time, and a resource whose attributes are
    // split by dropped_attributes_count: protobuf appends both runs, in order.
    byte[] point =
        ByteString.copyFrom(
                NumberDataPoint.newBuilder()
                    .setAsDouble(3)
                    .addAttributes(attr("b", "2"))
                    .addAttributes(attr("a", "1"))
                    .build()
                    .toByteArray())
            .concat(
                ByteString.copyFrom(
                    NumberDataPoint.newBuilder()
                        .setTimeUnixNano(T)
                        .addAttributes(attr("c", "3"))
                        .build()
                        .toByteArray()))
            .toByteArray();
    byte[] resource =
        ByteString.copyFrom(
                io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                    .addAttributes(attr("service.name", "api"))
                    .setDroppedAttributesCount(1)
                    .build()
                    .toByteArray())
            .concat(
                ByteString.copyFrom(
                    io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                        .addAttributes(attr("service.instance.id", "i-1"))
                        .build()
                        .toByteArray()))
            .toByteArray();
    byte[] metric =
        ByteString.copyFrom(Metric.newBuilder().setName("split").build().toByteArray())
            .concat(ByteString.copyFrom(field(5, field(1, point))))
            .toByteArray();
    byte[] request = field(1, field(1, resource), field(2, field(2, metric)));
    NumberDataPoint parsed =
        ExportMetricsServiceRequest.parseFrom(request)
            .getResourceMetrics(0)
            .getScopeMetrics(0)
            .getMetrics(0)
            .getGauge()
            .getDataPoints(0);
    assertThat(parsed.getAttributesList()).hasSize(3);
    for (int i = 0; i < 3; i++) {
      // Again and again: nothing of a split point is served from a cache.
      assertThat(same(request)).isTrue();
    }
    OtlpProtobufReader reader = new OtlpProtobufReader(PrometheusNaming::labelName, s -> s);
    assertThat(reader.read(request)).isTrue();
    assertThat(reader.pointBlock[0]).isNull();
    assertThat(reader.resourceBlock[0]).isNull();
    assertThat(reader.attributes.size).isEqualTo(5);
  }

  private boolean hasHistogramAndCounter(byte[] bytes) {
    EventSink probe = new EventSink(false);
    reference.translateProtobuf(bytes, probe);
    String all = String.join("\n", probe.events);
    return all.contains("histogram") && all.contains("cumulative");
  }

  @Test
  void labelSetsOfASeriesReadAgainAreTheVeryObjectTheSinkKeptAsCanonical() {
    List<byte[]> messages = simulatorMessages(1);
    // A message with both kinds of series: counters and histograms.
    byte[] m = messages.stream().filter(this::hasHistogramAndCounter).findFirst().orElseThrow();
    List<Labels> first = new ArrayList<>();
    List<Labels> second = new ArrayList<>();
    List<Labels> buckets = new ArrayList<>();
    SampleSink collect =
        new SampleSink() {
          final List<Labels> into = first;

          @Override
          public void accept(Labels labels, long t, double value) {
            into.add(labels);
          }

          @Override
          public void acceptHistogram(
              Labels point, HistogramSeries series, long t, double[] values, long start) {
            into.add(point);
            for (int i = 0; i < series.size(); i++) {
              buckets.add(series.labels(point, i));
            }
          }

          @Override
          public void discard(String reason, String metricName) {}

          @Override
          public void metadata(String family, String type, String help, String unit) {}
        };
    assertThat(translator.translateProtobuf(m, collect)).isTrue();
    int n = first.size();
    assertThat(translator.translateProtobuf(m, collect)).isTrue();
    second.addAll(first.subList(n, first.size()));
    first.subList(n, first.size()).clear();
    assertThat(second).hasSize(n).isNotEmpty();
    for (int i = 0; i < n; i++) {
      assertThat(second.get(i)).isSameAs(first.get(i));
      assertThat(translator.canonical(first.get(i))).isSameAs(first.get(i));
    }
    // Another thread (its own reader and cache) hands out the same instances.
    List<Labels> third = new ArrayList<>();
    Thread other =
        new Thread(
            () -> {
              int before = first.size();
              translator.translateProtobuf(m, collect);
              third.addAll(first.subList(before, first.size()));
            });
    other.start();
    try {
      other.join();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
    first.subList(n, first.size()).clear();
    assertThat(third).hasSize(n);
    for (int i = 0; i < n; i++) {
      assertThat(third.get(i)).isSameAs(first.get(i));
    }
    // The series of a histogram's point (names and le from the shape) are canonical as made.
    assertThat(buckets).isNotEmpty();
    for (Labels b : buckets) {
      assertThat(translator.canonical(b)).isSameAs(b);
    }
    // A label set holding other copies of the strings gets the shared copies.
    Labels.Builder copies = Labels.builder();
    first.get(0).forEach((name, value) -> copies.put(new String(name), new String(value)));
    Labels copy = copies.build();
    Labels canonical = translator.canonical(copy);
    assertThat(canonical).isEqualTo(first.get(0)).isNotSameAs(copy);
  }

  @Test
  void stringTableServesRepeatedStringsAsOneInstance() {
    OtlpProtobufReader reader = new OtlpProtobufReader(PrometheusNaming::labelName, s -> s);
    byte[] bytes = edgeCases().get(1).toByteArray();
    assertThat(reader.read(bytes)).isTrue();
    String first = reader.attributes.values[reader.attributes.size - 1];
    assertThat(reader.read(bytes)).isTrue();
    assertThat(reader.attributes.values[reader.attributes.size - 1]).isSameAs(first);
    assertThat(PrometheusNaming.metricName("http.requests", "{request}", MetricType.GAUGE))
        .isEqualTo("http_requests");
  }
}
