package io.meshlens.testdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PromTextToOtlpTest {

  static final long SCRAPE_MS = 1_601_902_403_231L;
  static final long SCRAPE_NS = SCRAPE_MS * 1_000_000L;

  static final Map<String, String> RESOURCE =
      new LinkedHashMap<>(
          Map.of(
              "k8s.cluster.name", "east",
              "k8s.namespace.name", "bookinfo",
              "k8s.pod.name", "productpage-v1-6b746f74dc-9stvs"));

  /** A naive count of a text file: family types, and sample lines per sample name. */
  record FileCount(Map<String, String> types, Map<String, Integer> samplesByName) {

    static FileCount of(String text) {
      Map<String, String> types = new LinkedHashMap<>();
      Map<String, Integer> samples = new HashMap<>();
      for (String line : text.split("\n")) {
        if (line.startsWith("# TYPE ")) {
          String[] parts = line.split(" ");
          types.put(parts[2], parts[3]);
        } else if (!line.isBlank() && !line.startsWith("#")) {
          String name = line.split("[{ ]", 2)[0];
          samples.merge(name, 1, Integer::sum);
        }
      }
      return new FileCount(types, samples);
    }

    int count(String name) {
      return samplesByName.getOrDefault(name, 0);
    }

    /** Data points a family must turn into: one per sample, or one per _count line. */
    int expectedPoints(String family) {
      return switch (types.get(family)) {
        case "histogram", "summary" -> count(family + "_count");
        default -> count(family);
      };
    }
  }

  static Map<String, Metric> metricsByName(ExportMetricsServiceRequest request) {
    assertThat(request.getResourceMetricsCount()).isEqualTo(1);
    ResourceMetrics rm = request.getResourceMetrics(0);
    assertThat(rm.getScopeMetricsCount()).isEqualTo(1);
    Map<String, Metric> metrics = new LinkedHashMap<>();
    for (Metric m : rm.getScopeMetrics(0).getMetricsList()) {
      assertThat(metrics.put(m.getName(), m)).as("family %s twice", m.getName()).isNull();
    }
    return metrics;
  }

  static Map<String, String> attributes(List<KeyValue> attributes) {
    Map<String, String> map = new TreeMap<>();
    for (KeyValue kv : attributes) {
      assertThat(map.put(kv.getKey(), kv.getValue().getStringValue())).isNull();
    }
    return map;
  }

  static int points(Metric m) {
    return switch (m.getDataCase()) {
      case GAUGE -> m.getGauge().getDataPointsCount();
      case SUM -> m.getSum().getDataPointsCount();
      case HISTOGRAM -> m.getHistogram().getDataPointsCount();
      case SUMMARY -> m.getSummary().getDataPointsCount();
      default -> throw new AssertionError(m.getDataCase());
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"istio-proxy-1.7.1.prom", "istiod-1.7.1.prom"})
  void everyFamilyIsConvertedWithAllItsSamples(String file) {
    String text = RealData.read(file);
    FileCount file0 = FileCount.of(text);

    ExportMetricsServiceRequest request = PromTextToOtlp.convert(text, RESOURCE, SCRAPE_MS);
    Map<String, Metric> metrics = metricsByName(request);

    // Every sample line in the file belongs to a typed family (no family lost to a typo).
    int accounted = 0;
    for (var e : file0.types().entrySet()) {
      String family = e.getKey();
      accounted +=
          switch (e.getValue()) {
            case "histogram" ->
                file0.count(family + "_bucket")
                    + file0.count(family + "_sum")
                    + file0.count(family + "_count");
            case "summary" ->
                file0.count(family) + file0.count(family + "_sum") + file0.count(family + "_count");
            default -> file0.count(family);
          };
    }
    int lines = file0.samplesByName().values().stream().mapToInt(Integer::intValue).sum();
    assertThat(accounted).isEqualTo(lines);

    assertThat(metrics.keySet()).containsExactlyElementsOf(file0.types().keySet());
    for (var e : file0.types().entrySet()) {
      Metric metric = metrics.get(e.getKey());
      String type = e.getValue();
      assertThat(metric.getMetadata(0).getKey()).isEqualTo("prometheus.type");
      assertThat(metric.getMetadata(0).getValue().getStringValue()).isEqualTo(type);
      switch (type) {
        case "counter" -> {
          assertThat(metric.hasSum()).isTrue();
          assertThat(metric.getSum().getIsMonotonic()).isTrue();
          assertThat(metric.getSum().getAggregationTemporality())
              .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
        }
        case "gauge" -> assertThat(metric.hasGauge()).isTrue();
        case "histogram" -> {
          assertThat(metric.hasHistogram()).isTrue();
          assertThat(metric.getHistogram().getAggregationTemporality())
              .isEqualTo(AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
          for (HistogramDataPoint p : metric.getHistogram().getDataPointsList()) {
            assertThat(p.getBucketCountsCount()).isEqualTo(p.getExplicitBoundsCount() + 1);
            assertThat(p.getBucketCountsList().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(p.getCount());
          }
        }
        case "summary" -> assertThat(metric.hasSummary()).isTrue();
        default -> throw new AssertionError(type);
      }
      assertThat(points(metric)).as(e.getKey()).isEqualTo(file0.expectedPoints(e.getKey()));
    }

    assertThat(attributes(request.getResourceMetrics(0).getResource().getAttributesList()))
        .isEqualTo(new TreeMap<>(RESOURCE));
    assertThat(request.getResourceMetrics(0).getScopeMetrics(0).getScope().getName())
        .isEqualTo(PromTextToOtlp.SCOPE_NAME);
  }

  @Test
  void istioRequestsTotalKeepsItsNameAndAllLabels() {
    String text = RealData.read("istio-proxy-1.7.1.prom");
    Metric requests =
        metricsByName(PromTextToOtlp.convert(text, RESOURCE, SCRAPE_MS))
            .get("istio_requests_total");

    List<NumberDataPoint> points = requests.getSum().getDataPointsList();
    assertThat(points).hasSize(7);
    assertThat(points)
        .extracting(NumberDataPoint::getAsDouble)
        .containsExactly(6.0, 5.0, 2.0, 6.0, 3.0, 2.0, 1.0);
    assertThat(points).allSatisfy(p -> assertThat(p.getTimeUnixNano()).isEqualTo(SCRAPE_NS));

    // 23 labels per series in the file; grpc_response_status="" is empty and so omitted.
    List<String> fileSeries =
        text.lines().filter(l -> l.startsWith("istio_requests_total{")).toList();
    assertThat(fileSeries).hasSize(7);
    for (int i = 0; i < 7; i++) {
      Map<String, String> expected = new TreeMap<>();
      String labelText =
          fileSeries
              .get(i)
              .substring(fileSeries.get(i).indexOf('{') + 1, fileSeries.get(i).lastIndexOf('}'));
      for (String pair : labelText.split("\",")) {
        String[] kv = pair.split("=\"", 2);
        String value = kv[1].endsWith("\"") ? kv[1].substring(0, kv[1].length() - 1) : kv[1];
        if (!value.isEmpty()) {
          expected.put(kv[0], value);
        }
      }
      assertThat(expected).hasSize(22);
      assertThat(attributes(points.get(i).getAttributesList())).isEqualTo(expected);
    }
    assertThat(attributes(points.get(0).getAttributesList()))
        .containsEntry("reporter", "destination")
        .containsEntry("source_workload", "istio-ingressgateway")
        .containsEntry("destination_service", "productpage.default.svc.cluster.local")
        .containsEntry("connection_security_policy", "mutual_tls")
        .doesNotContainKey("grpc_response_status");
  }

  @Test
  void requestDurationHistogramHasItsTwentyBuckets() {
    String text = RealData.read("istio-proxy-1.7.1.prom");
    Metric duration =
        metricsByName(PromTextToOtlp.convert(text, RESOURCE, SCRAPE_MS))
            .get("istio_request_duration_milliseconds");

    List<HistogramDataPoint> points = duration.getHistogram().getDataPointsList();
    assertThat(points).hasSize(7);
    for (HistogramDataPoint p : points) {
      // 19 finite bounds plus the +Inf bucket: the 20 le values of the file.
      assertThat(p.getExplicitBoundsList())
          .containsExactly(
              0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0,
              30000.0, 60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0);
      assertThat(p.getBucketCountsCount()).isEqualTo(20);
    }
    HistogramDataPoint first = points.get(0);
    // Cumulative 0,0,0,0,1,3,5,5,6,6,... in the file.
    assertThat(first.getBucketCountsList())
        .containsExactly(
            0L, 0L, 0L, 0L, 1L, 2L, 2L, 0L, 1L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L);
    assertThat(first.getCount()).isEqualTo(6);
    String sumLine =
        text.lines()
            .filter(l -> l.startsWith("istio_request_duration_milliseconds_sum{"))
            .findFirst()
            .orElseThrow();
    assertThat(first.getSum())
        .isEqualTo(Double.parseDouble(sumLine.substring(sumLine.lastIndexOf(' ') + 1)));
    assertThat(attributes(first.getAttributesList())).doesNotContainKey("le").hasSize(22);
  }

  @Test
  void istiodSummaryAndHistograms() {
    String text = RealData.read("istiod-1.7.1.prom");
    Map<String, Metric> metrics = metricsByName(PromTextToOtlp.convert(text, Map.of(), SCRAPE_MS));

    Metric gc = metrics.get("go_gc_duration_seconds");
    assertThat(gc.getDescription()).isEqualTo("A summary of the GC invocation durations.");
    SummaryDataPoint point = gc.getSummary().getDataPoints(0);
    assertThat(point.getCount()).isEqualTo(13);
    assertThat(point.getSum()).isEqualTo(0.013316174);
    assertThat(point.getQuantileValuesList())
        .extracting(SummaryDataPoint.ValueAtQuantile::getQuantile)
        .containsExactly(0.0, 0.25, 0.5, 0.75, 1.0);
    assertThat(point.getQuantileValuesList())
        .extracting(SummaryDataPoint.ValueAtQuantile::getValue)
        .containsExactly(8.969e-06, 8.7539e-05, 0.000238037, 0.000783504, 0.005515511);

    assertThat(metrics.values().stream().filter(Metric::hasHistogram).map(Metric::getName))
        .containsExactlyInAnyOrder(
            "grpc_server_handling_seconds",
            "pilot_proxy_convergence_time",
            "pilot_proxy_queue_time",
            "pilot_xds_push_time");
    // Counters keep the exposed name, with or without _total.
    assertThat(metrics.get("pilot_xds_pushes").hasSum()).isTrue();
    assertThat(metrics.get("process_cpu_seconds_total").hasSum()).isTrue();
  }

  @Test
  void parsesEscapesTimestampsAndSpecialValues() {
    String text =
        """
        # HELP weird Help with \\\\ backslash and \\n newline.
        # TYPE weird gauge
        weird{path="C:\\\\dir",quote="say \\"hi\\"",nl="a\\nb",other="\\t"} +Inf 1601902400000
        weird{path="x" , } -Inf
        weird NaN
        # a free comment
        untyped_thing{job="scraped",instance="i"} 1.5e+03
        """;

    Map<String, Metric> metrics = metricsByName(PromTextToOtlp.convert(text, Map.of(), SCRAPE_MS));

    Metric weird = metrics.get("weird");
    assertThat(weird.getDescription()).isEqualTo("Help with \\ backslash and \n newline.");
    List<NumberDataPoint> points = weird.getGauge().getDataPointsList();
    assertThat(attributes(points.get(0).getAttributesList()))
        .containsExactlyEntriesOf(
            new TreeMap<>(
                Map.of("nl", "a\nb", "other", "\\t", "path", "C:\\dir", "quote", "say \"hi\"")));
    assertThat(points.get(0).getAsDouble()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(points.get(0).getTimeUnixNano()).isEqualTo(1_601_902_400_000L * 1_000_000L);
    assertThat(points.get(1).getAsDouble()).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(points.get(1).getTimeUnixNano()).isEqualTo(SCRAPE_NS);
    assertThat(points.get(2).getAsDouble()).isNaN();

    Metric untyped = metrics.get("untyped_thing");
    assertThat(untyped.hasGauge()).isTrue();
    assertThat(untyped.getMetadata(0).getValue().getStringValue()).isEqualTo("unknown");
    assertThat(attributes(untyped.getGauge().getDataPoints(0).getAttributesList()))
        .containsExactlyEntriesOf(
            new TreeMap<>(Map.of("exported_instance", "i", "exported_job", "scraped")));
    assertThat(untyped.getGauge().getDataPoints(0).getAsDouble()).isEqualTo(1500.0);
  }

  @Test
  void histogramsWithoutCountOrWithDecreasingBucketsAreDropped() {
    String text =
        """
        # TYPE h histogram
        h_bucket{case="ok",le="1"} 1
        h_bucket{case="ok",le="+Inf"} 3
        h_sum{case="ok"} 4
        h_count{case="ok"} 3
        h_bucket{case="nocount",le="+Inf"} 3
        h_bucket{case="decreasing",le="1"} 5
        h_bucket{case="decreasing",le="2"} 4
        h_count{case="decreasing"} 5
        h_bucket{case="unsorted",le="2"} 2
        h_bucket{case="unsorted",le="1"} 1
        h_count{case="unsorted"} 2
        """;

    Metric h = metricsByName(PromTextToOtlp.convert(text, Map.of(), SCRAPE_MS)).get("h");

    List<HistogramDataPoint> points = h.getHistogram().getDataPointsList();
    assertThat(points)
        .extracting(p -> attributes(p.getAttributesList()).get("case"))
        .containsExactly("ok", "unsorted");
    assertThat(points.get(0).getExplicitBoundsList()).containsExactly(1.0);
    assertThat(points.get(0).getBucketCountsList()).containsExactly(1L, 2L);
    assertThat(points.get(0).getSum()).isEqualTo(4.0);
    assertThat(points.get(1).getExplicitBoundsList()).containsExactly(1.0, 2.0);
    assertThat(points.get(1).getBucketCountsList()).containsExactly(1L, 1L, 0L);
    assertThat(points.get(1).hasSum()).isFalse();
  }

  @Test
  void parseAloneGivesMetadataAndSamples() {
    PromTextToOtlp.Exposition parsed =
        PromTextToOtlp.parse("# HELP g The g.\n# TYPE g gauge\ng{a=\"1\"} 1 42\n");

    assertThat(parsed.metadata())
        .containsEntry("g", new PromTextToOtlp.FamilyMetadata("gauge", "The g."));
    assertThat(parsed.samples())
        .containsExactly(new PromTextToOtlp.Sample("g", Map.of("a", "1"), 1.0, 42L, 3));
  }

  @Test
  void malformedLinesAreReportedWithTheirLineNumber() {
    assertThatThrownBy(() -> PromTextToOtlp.convert("ok 1\nbad{a=\"x} 1\n", Map.of(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("line 2");
    assertThatThrownBy(() -> PromTextToOtlp.convert("# TYPE x counterz\n", Map.of(), 0))
        .hasMessageContaining("line 1")
        .hasMessageContaining("counterz");
    assertThatThrownBy(() -> PromTextToOtlp.convert("x 1d\n", Map.of(), 0))
        .hasMessageContaining("bad value \"1d\"");
    assertThatThrownBy(() -> PromTextToOtlp.convert("x{a=\"1\",a=\"2\"} 1\n", Map.of(), 0))
        .hasMessageContaining("given twice");
    assertThatThrownBy(
            () -> PromTextToOtlp.convert("# TYPE h histogram\nh_bucket 1\n", Map.of(), 0))
        .hasMessageContaining("line 2")
        .hasMessageContaining("'le'");
  }

  @Test
  void familiesKeepFileOrder() {
    String text = "# TYPE b gauge\nb 1\n# TYPE a counter\na_total 2\n";
    assertThat(metricsByName(PromTextToOtlp.convert(text, Map.of(), 0)).keySet())
        .containsExactly("b", "a_total");
    Metric a = metricsByName(PromTextToOtlp.convert(text, Map.of(), 0)).get("a_total");
    assertThat(a.getSum().getIsMonotonic()).isTrue();
    assertThat(a.getMetadata(0).getValue().getStringValue()).isEqualTo("counter");
    assertThat(
            metricsByName(PromTextToOtlp.convert(text, Map.of(), 0)).values().stream()
                .map(Metric::getName)
                .collect(Collectors.joining(",")))
        .isEqualTo("b,a_total");
  }
}
