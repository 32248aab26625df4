package io.meshlens.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.testdata.PromTextToOtlp;
import io.meshlens.testdata.RealData;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Real scrapes through the whole path a Collector and Meshlens take: Prometheus text, the
 * Collector's prometheus receiver ({@link PromTextToOtlp}), OTLP, {@link OtlpMetricsTranslator}.
 *
 * <p>The series that come out must be the series of the text file, sample for sample, with the
 * promoted resource labels added. The one deliberate change is Prometheus' own: a counter family
 * gets {@code _total} appended (any inner {@code total} word moved to the end), because the
 * receiver keeps the exposed name and Prometheus' OTLP naming adds the suffix to monotonic sums.
 * The expectation is computed from the file by a separate, deliberately naive reader.
 */
class PromTextRoundTripTest {

  static final long SCRAPE_MS = 1_601_902_403_231L;

  static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})?\\s+(\\S+)$");
  static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  @ParameterizedTest
  @ValueSource(strings = {"istio-proxy-1.7.1.prom", "istiod-1.7.1.prom"})
  void seriesComeBackAsInTheTextFile(String file) {
    String text = RealData.read(file);
    Map<String, String> resource = new LinkedHashMap<>();
    resource.put("k8s.cluster.name", "east");
    resource.put("k8s.namespace.name", "bookinfo");
    resource.put("k8s.pod.name", "productpage-v1-6b746f74dc-9stvs");

    RecordingSink sink = new RecordingSink();
    new OtlpMetricsTranslator(TranslatorSettings.defaults())
        .translate(PromTextToOtlp.convert(text, resource, SCRAPE_MS), sink);

    Map<Labels, Double> expected = expectedSeries(text);
    Map<Labels, Double> actual = new HashMap<>();
    for (RecordingSink.Sample s : sink.samples) {
      assertThat(actual.put(s.labels(), s.value())).as("duplicate %s", s.labels()).isNull();
      assertThat(s.timestampMillis()).isEqualTo(SCRAPE_MS);
    }
    assertThat(sink.discards).isEmpty();
    assertThat(actual).hasSameSizeAs(expected).containsExactlyInAnyOrderEntriesOf(expected);
  }

  @Test
  void istioProxyHeadlineSeries() {
    RecordingSink sink = new RecordingSink();
    new OtlpMetricsTranslator(TranslatorSettings.defaults())
        .translate(
            PromTextToOtlp.convert(
                RealData.read("istio-proxy-1.7.1.prom"),
                Map.of("k8s.cluster.name", "east", "service.name", "istio-proxy"),
                SCRAPE_MS),
            sink);

    Labels firstRequest =
        Labels.builder()
            .put("__name__", "istio_requests_total")
            .put("connection_security_policy", "mutual_tls")
            .put("destination_app", "productpage")
            .put("destination_canonical_revision", "v1")
            .put("destination_canonical_service", "productpage")
            .put(
                "destination_principal",
                "spiffe://cluster.local/ns/default/sa/bookinfo-productpage")
            .put("destination_service", "productpage.default.svc.cluster.local")
            .put("destination_service_name", "productpage")
            .put("destination_service_namespace", "default")
            .put("destination_version", "v1")
            .put("destination_workload", "productpage-v1")
            .put("destination_workload_namespace", "default")
            .put("job", "istio-proxy")
            .put("k8s_cluster_name", "east")
            .put("reporter", "destination")
            .put("request_protocol", "http")
            .put("response_code", "200")
            .put("response_flags", "-")
            .put("source_app", "istio-ingressgateway")
            .put("source_canonical_revision", "latest")
            .put("source_canonical_service", "istio-ingressgateway")
            .put(
                "source_principal",
                "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account")
            .put("source_version", "unknown")
            .put("source_workload", "istio-ingressgateway")
            .put("source_workload_namespace", "istio-system")
            .build();
    assertThat(sink.samples)
        .filteredOn(s -> s.labels().metricName().equals("istio_requests_total"))
        .hasSize(7)
        .first()
        .isEqualTo(new RecordingSink.Sample(firstRequest, SCRAPE_MS, 6));

    List<String> buckets = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    for (RecordingSink.Sample s : sink.samples) {
      if (s.labels().metricName().equals("istio_request_duration_milliseconds_bucket")
          && firstRequest.get("source_workload").equals(s.labels().get("source_workload"))
          && "200".equals(s.labels().get("response_code"))) {
        buckets.add(s.labels().get("le"));
        values.add(s.value());
      }
    }
    assertThat(buckets)
        .containsExactly(
            "0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000",
            "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf");
    assertThat(values)
        .containsExactly(
            0.0, 0.0, 0.0, 0.0, 1.0, 3.0, 5.0, 5.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0, 6.0,
            6.0, 6.0, 6.0);
  }

  /** The text file's samples as Prometheus would store them after OTLP ingestion. */
  static Map<Labels, Double> expectedSeries(String text) {
    Map<String, String> types = new HashMap<>();
    for (String line : text.split("\n")) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 4 && parts[0].equals("#") && parts[1].equals("TYPE")) {
        types.put(parts[2], parts[3]);
      }
    }
    Map<Labels, Double> expected = new HashMap<>();
    int samples = 0;
    for (String line : text.split("\n")) {
      line = line.trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      assertThat(m.matches()).as(line).isTrue();
      samples++;
      String name = m.group(1);
      if ("counter".equals(types.get(name))) {
        name = counterName(name);
      }
      Labels.Builder labels = Labels.builder().put("__name__", name);
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      labels.put("k8s_cluster_name", "east");
      labels.put("k8s_namespace_name", "bookinfo");
      labels.put("k8s_pod_name", "productpage-v1-6b746f74dc-9stvs");
      String value = m.group(3);
      expected.put(
          labels.build(),
          value.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(value));
    }
    assertThat(expected).as("distinct series in the file").hasSize(samples);
    return expected;
  }

  /** Words split on "_", every "total" word dropped, "total" appended. */
  static String counterName(String name) {
    List<String> words = new ArrayList<>(List.of(name.split("_")));
    words.removeIf("total"::equals);
    words.add("total");
    return String.join("_", words);
  }
}
