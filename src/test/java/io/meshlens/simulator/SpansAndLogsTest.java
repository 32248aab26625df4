package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.simulator.Telemetry.LogRow;
import io.meshlens.simulator.Telemetry.SpanRow;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpansAndLogsTest {

  /** Istio's default TEXT access log format, one group per field. */
  static final Pattern TEXT =
      Pattern.compile(
          "^\\[(\\S+)] \"(\\S+) (\\S+) (\\S+)\" (\\d+) (\\S+) (\\S+) (\\S+) \"(\\S+)\" (\\d+)"
              + " (\\d+) (\\d+) (\\S+) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\""
              + " \"([^\"]*)\" (\\S+) (\\S+) (\\S+) (\\S+) (\\S+) (\\S+)$");

  private static final ObjectMapper JSON = new ObjectMapper();

  private MeshSimulator sim;
  private final List<SpanRow> spans = new ArrayList<>();
  private final List<LogRow> logs = new ArrayList<>();
  private final List<String> lines = new ArrayList<>();
  private final List<String> lineClusters = new ArrayList<>();

  @BeforeAll
  void run() {
    sim =
        new MeshSimulator(
            SimulatorFixtures.quick().withRequestsPerSecond(80).withSpanSampleRate(0.3), START);
    for (TickOutput o : SimulatorFixtures.run(sim, 6, 10)) {
      spans.addAll(Telemetry.spans(o.spans()));
      logs.addAll(Telemetry.logs(o.logs()));
      lines.addAll(o.accessLogLines());
      lineClusters.addAll(o.accessLogLineClusters());
    }
  }

  private static Set<String> keys(JsonNode n) {
    Set<String> s = new HashSet<>();
    for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
      s.add(it.next());
    }
    return s;
  }

  private static List<String> sampleLines() throws IOException {
    return Files.readAllLines(
        SimulatorFixtures.realData().resolve("public_examples__istio_json_access_log_lines.jsonl"));
  }

  @Test
  void spanAndLogCountsEqualGroundTruth() {
    GroundTruth t = sim.groundTruth();
    assertThat((long) spans.size()).isEqualTo(t.spansEmitted()).isPositive();
    assertThat((long) lines.size()).isEqualTo(t.accessLogLinesEmitted()).isPositive();
    assertThat((long) logs.size()).isEqualTo(t.otlpLogRecordsEmitted()).isPositive();
    Map<String, Long> spansByTenant =
        spans.stream()
            .collect(
                Collectors.groupingBy(
                    s -> sim.topology().tenantOfNamespace(s.attr("istio.namespace")),
                    Collectors.counting()));
    assertThat(spansByTenant).isEqualTo(t.spansByTenant());
  }

  @Test
  void everyTraceIsOneTreeOfClientAndServerSpansWithOneRequestId() {
    Map<String, List<SpanRow>> traces =
        spans.stream()
            .collect(Collectors.groupingBy(s -> Ids.hex(s.span().getTraceId().toByteArray())));
    assertThat(traces).hasSizeGreaterThan(20);
    for (List<SpanRow> trace : traces.values()) {
      Map<String, SpanRow> byId = new HashMap<>();
      for (SpanRow s : trace) {
        assertThat(byId.put(Ids.hex(s.span().getSpanId().toByteArray()), s)).isNull();
      }
      long roots = trace.stream().filter(s -> s.span().getParentSpanId().isEmpty()).count();
      assertThat(roots).isEqualTo(1);
      for (SpanRow s : trace) {
        assertThat(s.attr("guid:x-request-id")).isEqualTo(trace.get(0).attr("guid:x-request-id"));
        if (s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER) {
          SpanRow parent = byId.get(Ids.hex(s.span().getParentSpanId().toByteArray()));
          assertThat(parent.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
          assertThat(parent.span().getName()).isEqualTo(s.span().getName());
          assertThat(s.span().getStartTimeUnixNano())
              .isGreaterThanOrEqualTo(parent.span().getStartTimeUnixNano());
          assertThat(s.span().getEndTimeUnixNano())
              .isLessThanOrEqualTo(parent.span().getEndTimeUnixNano());
        } else if (!s.span().getParentSpanId().isEmpty()) {
          SpanRow parent = byId.get(Ids.hex(s.span().getParentSpanId().toByteArray()));
          assertThat(parent.span().getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
          assertThat(parent.resource()).isEqualTo(s.resource());
        }
      }
    }
  }

  @Test
  void spansCarryIstiosAttributes() {
    for (SpanRow s : spans) {
      String ns = s.attr("istio.namespace");
      String app = s.attr("istio.canonical_service");
      assertThat(s.resource()).isEqualTo(Map.of("service.name", app + "." + ns));
      assertThat(s.attr("istio.mesh_id")).isEqualTo("mesh1");
      assertThat(s.attr("istio.cluster_id")).isIn("east-1", "east-2", "west-1");
      assertThat(s.attr("component")).isEqualTo("proxy");
      assertThat(s.attr("node_id"))
          .matches(
              "(sidecar|router)~10\\.\\d+\\.\\d+\\.\\d+~"
                  + Pattern.quote(app)
                  + "-\\S+\\."
                  + ns
                  + "~"
                  + ns
                  + "\\.svc\\.cluster\\.local");
      assertThat(s.attr("http.status_code")).matches("\\d{3}");
      assertThat(s.attr("http.method")).isIn("GET", "POST");
      assertThat(s.attr("response_flags")).isIn("-", "UH", "UF");
      String upstream = s.attr("upstream_cluster");
      if (s.span().getKind() == Span.SpanKind.SPAN_KIND_SERVER) {
        assertThat(upstream).matches("inbound\\|\\d+\\|\\|");
      } else {
        assertThat(upstream)
            .matches("outbound\\|\\d+\\|\\|[a-z0-9-]+\\.[a-z0-9-]+\\.svc\\.cluster" + "\\.local");
      }
      boolean error = s.span().getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR;
      if (Integer.parseInt(s.attr("http.status_code")) >= 500) {
        assertThat(error).isTrue();
      } else if (error) {
        // gRPC errors travel in grpc-status with HTTP 200.
        assertThat(s.attr("http.protocol")).isEqualTo("HTTP/2");
      }
    }
  }

  @Test
  void east1LinesAreFluentBitRecordsWrappingTypedIstioJson() throws IOException {
    Set<String> typedKeys = keys(JSON.readTree(sampleLines().get(0)));
    int seen = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (!lineClusters.get(i).equals("east-1")) {
        continue;
      }
      seen++;
      JsonNode record = JSON.readTree(lines.get(i));
      assertThat(keys(record)).contains("log", "stream", "time", "kubernetes");
      assertThat(record.get("kubernetes").get("container_name").asText()).isEqualTo("istio-proxy");
      String ns = record.get("kubernetes").get("namespace_name").asText();
      assertThat(sim.topology().namespaces("east-1")).contains(ns);
      JsonNode line = JSON.readTree(record.get("log").asText());
      assertThat(keys(line)).isEqualTo(typedKeys);
      assertThat(line.get("response_code").isInt()).isTrue();
      assertThat(line.get("duration").isInt()).isTrue();
      assertThat(line.get("start_time").asText())
          .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z");
    }
    assertThat(seen).isPositive();
  }

  @Test
  void west1LinesAreLegacyAllStringIstioJsonWithDashes() throws IOException {
    Set<String> legacyKeys = keys(JSON.readTree(sampleLines().get(3)));
    int seen = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (!lineClusters.get(i).equals("west-1")) {
        continue;
      }
      seen++;
      JsonNode line = JSON.readTree(lines.get(i));
      assertThat(keys(line)).isEqualTo(legacyKeys);
      line.fields().forEachRemaining(f -> assertThat(f.getValue().isTextual()).isTrue());
    }
    assertThat(seen).isPositive();
    assertThat(lineClusters).containsOnly("east-1", "west-1");
  }

  @Test
  void textPatternMatchesRealIstioTextLines() throws IOException {
    for (String raw :
        Files.readAllLines(
            SimulatorFixtures.realData().resolve("kiali__tests_data_logs_waypoint.log"))) {
      String line = raw.substring(raw.indexOf(' ') + 1);
      assertThat(TEXT.matcher(line).matches()).as(line).isTrue();
    }
  }

  @Test
  void east2RecordsAreEnvoyOtelAccessLogsWithTextBodies() {
    for (LogRow r : logs) {
      assertThat(r.attrs().keySet()).containsExactly("pod", "namespace", "cluster", "mesh");
      assertThat(r.attr("cluster")).isEqualTo("east-2");
      assertThat(r.attr("mesh")).isEqualTo("mesh1");
      assertThat(r.resource()).doesNotContainKeys("k8s.namespace.name", "k8s.pod.name");
      String body = r.record().getBody().getStringValue();
      Matcher m = TEXT.matcher(body);
      assertThat(m.matches()).as(body).isTrue();
      assertThat(r.record().getTimeUnixNano()).isPositive();
    }
  }

  @Test
  void sampledRequestsShareRequestIdAndTraceIdBetweenLogsAndSpans() {
    Map<String, SpanRow> bySpanId =
        spans.stream()
            .collect(Collectors.toMap(s -> Ids.hex(s.span().getSpanId().toByteArray()), s -> s));
    int linked = 0;
    for (LogRow r : logs) {
      if (r.record().getTraceId().isEmpty()) {
        continue;
      }
      SpanRow s = bySpanId.get(Ids.hex(r.record().getSpanId().toByteArray()));
      assertThat(s).isNotNull();
      assertThat(s.span().getTraceId()).isEqualTo(r.record().getTraceId());
      Matcher m = TEXT.matcher(r.record().getBody().getStringValue());
      assertThat(m.matches()).isTrue();
      assertThat(m.group(16)).isEqualTo(s.attr("guid:x-request-id"));
      assertThat(s.attr("istio.namespace")).isEqualTo(r.attr("namespace"));
      linked++;
    }
    assertThat(linked).isPositive();
    // Every span's request id also appears in some access log entry.
    Set<String> loggedIds = new HashSet<>();
    for (LogRow r : logs) {
      Matcher m = TEXT.matcher(r.record().getBody().getStringValue());
      if (m.matches()) {
        loggedIds.add(m.group(16));
      }
    }
    for (String l : lines) {
      Matcher m = Pattern.compile("request_id\\\\?\":\\\\?\"([0-9a-f-]{36})").matcher(l);
      if (m.find()) {
        loggedIds.add(m.group(1));
      }
    }
    assertThat(spans).allSatisfy(s -> assertThat(loggedIds).contains(s.attr("guid:x-request-id")));
  }

  @Test
  void rbacDenialsAreLoggedByTheDestinationSidecar() throws IOException {
    long denied = 0;
    for (int i = 0; i < lines.size(); i++) {
      if (lineClusters.get(i).equals("east-1")) {
        JsonNode line = JSON.readTree(JSON.readTree(lines.get(i)).get("log").asText());
        if (line.get("response_code_details")
            .asText()
            .equals("rbac_access_denied_matched_policy[none]")) {
          assertThat(line.get("response_code").asInt()).isEqualTo(403);
          assertThat(line.get("upstream_cluster").asText()).startsWith("inbound|");
          denied++;
        }
      }
    }
    assertThat(denied).isPositive();
  }

  @Test
  void tcpConnectionsAreLoggedWithoutHttpFields() throws IOException {
    int seen = 0;
    for (int i = 0; i < lines.size(); i++) {
      JsonNode line = JSON.readTree(lines.get(i));
      if (lineClusters.get(i).equals("east-1")) {
        line = JSON.readTree(line.get("log").asText());
      }
      if (!line.get("upstream_cluster").asText().contains("|5432|")) {
        continue;
      }
      seen++;
      if (lineClusters.get(i).equals("east-1")) {
        assertThat(line.get("method").isNull()).isTrue();
        assertThat(line.get("request_id").isNull()).isTrue();
        assertThat(line.get("response_code").asInt()).isZero();
      } else {
        assertThat(line.get("method").asText()).isEqualTo("-");
        assertThat(line.get("request_id").asText()).isEqualTo("-");
        assertThat(line.get("response_code").asText()).isEqualTo("0");
      }
    }
    assertThat(seen).isPositive();
  }
}
