package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The transports and variants around Istio's access log lines. */
class AccessLogDecoderFormsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String TYPED_LINE =
      RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().findFirst().get();

  /** Third waypoint line, without its kubectl timestamp. */
  private static final String TEXT_LINE =
      "[2025-01-30T10:53:16.283Z] \"GET /ratings/0 HTTP/1.1\" 200 - via_upstream - \"-\" 0 48 2 2"
          + " \"-\" \"Go-http-client/1.1\" \"980435c4-7a97-9b78-96c9-dfa19ef8aacc\""
          + " \"ratings:9080\" \"envoy://connect_originate/10.244.0.41:9080\""
          + " inbound-vip|9080|http|ratings.bookinfo.svc.cluster.local"
          + " envoy://internal_client_address/ 10.107.133.104:9080 10.244.0.35:36718 - default";

  private final AccessLogDecoder decoder = new AccessLogDecoder();

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<AccessLogRecord> ok(String message, String hint) {
    DecodeResult<List<AccessLogRecord>> r = decoder.decode(utf8(message), hint);
    assertThat(r.failure()).isNull();
    assertThat(r.rejected()).isEmpty();
    return r.value();
  }

  /** A Fluent Bit record (CRI parser, kubernetes filter) around {@code line}. */
  private static String fluentBit(String line) throws Exception {
    ObjectNode n = JSON.createObjectNode();
    n.put("time", "2021-08-29T10:19:39.671234567Z");
    n.put("stream", "stdout");
    n.put("_p", "F");
    n.put("log", line);
    ObjectNode k = n.putObject("kubernetes");
    k.put("pod_name", "productpage-v1-6f89b6c557-sg2bc");
    k.put("namespace_name", "bookinfo");
    k.put("pod_id", "6f0a0a3e-1111-4c1e-9a52-0e9a2b0c9d11");
    ObjectNode labels = k.putObject("labels");
    labels.put("app", "productpage");
    labels.put("version", "v1");
    k.put("host", "node-a");
    k.put("container_name", "istio-proxy");
    return JSON.writeValueAsString(n);
  }

  @Test
  void fluentBitRecordNamesThePodAndNamespaceAndKeepsTheLineAsRaw() throws Exception {
    AccessLogRecord r = ok(fluentBit(TYPED_LINE), "east-1").get(0);
    assertThat(r.namespace()).isEqualTo("bookinfo");
    assertThat(r.pod()).isEqualTo("productpage-v1-6f89b6c557-sg2bc");
    assertThat(r.cluster()).isEqualTo("east-1");
    assertThat(r.raw()).isEqualTo(TYPED_LINE);
    assertThat(r.requestId()).isEqualTo("6f867212-d7cf-4c68-9468-6fbc5f927335");
    assertThat(r.extra())
        .containsExactly(
            Map.entry("k8s.pod.uid", "6f0a0a3e-1111-4c1e-9a52-0e9a2b0c9d11"),
            Map.entry("k8s.pod.label.app", "productpage"),
            Map.entry("k8s.pod.label.version", "v1"),
            Map.entry("k8s.node.name", "node-a"),
            Map.entry("k8s.container.name", "istio-proxy"));
    AccessLogRecord bare = ok(TYPED_LINE, "east-1").get(0);
    assertThat(r.bytesSent()).isEqualTo(bare.bytesSent());
    assertThat(r.upstreamCluster()).isEqualTo(bare.upstreamCluster());
  }

  @Test
  void fluentBitRecordMayHoldATextLine() throws Exception {
    AccessLogRecord r = ok(fluentBit(TEXT_LINE + "\n"), "").get(0);
    assertThat(r.format()).isEqualTo(AccessLogFormat.ISTIO_TEXT);
    assertThat(r.namespace()).isEqualTo("bookinfo");
    assertThat(r.path()).isEqualTo("/ratings/0");
    assertThat(r.raw()).isEqualTo(TEXT_LINE);
  }

  @Test
  void clusterInTheForwarderRecordWinsOverTheHint() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(fluentBit(TYPED_LINE));
    n.put("cluster", "west-1");
    assertThat(ok(JSON.writeValueAsString(n), "hint").get(0).cluster()).isEqualTo("west-1");
  }

  @Test
  void forwarderMergedJsonWithKubernetesMetadataAtTheTopLevel() throws Exception {
    ObjectNode line = (ObjectNode) JSON.readTree(TYPED_LINE);
    line.set("kubernetes", JSON.readTree(fluentBit("x")).get("kubernetes"));
    AccessLogRecord r = ok(JSON.writeValueAsString(line), "").get(0);
    assertThat(r.namespace()).isEqualTo("bookinfo");
    assertThat(r.responseCode()).isEqualTo(200);
  }

  @Test
  void severalLinesOfMixedFormatsInOneMessage() throws Exception {
    String message = TYPED_LINE + "\n" + TEXT_LINE + "\r\n\n" + fluentBit(TEXT_LINE) + "\n";
    List<AccessLogRecord> records = ok(message, "c");
    assertThat(records)
        .extracting(AccessLogRecord::format, AccessLogRecord::path, AccessLogRecord::namespace)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(AccessLogFormat.ISTIO_JSON, "/reviews/0", ""),
            org.assertj.core.groups.Tuple.tuple(AccessLogFormat.ISTIO_TEXT, "/ratings/0", ""),
            org.assertj.core.groups.Tuple.tuple(
                AccessLogFormat.ISTIO_TEXT, "/ratings/0", "bookinfo"));
  }

  @Test
  void prettyPrintedJsonObjectIsOneRecord() throws Exception {
    String pretty =
        JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(TYPED_LINE));
    List<AccessLogRecord> records = ok(pretty, "");
    assertThat(records).hasSize(1);
    assertThat(records.get(0).requestId()).isEqualTo("6f867212-d7cf-4c68-9468-6fbc5f927335");
  }

  @Test
  void containerRuntimeLogFileLineIsAccepted() {
    AccessLogRecord r = ok("2025-01-30T12:10:13.682034460Z stdout F " + TEXT_LINE, "").get(0);
    assertThat(r.raw()).isEqualTo(TEXT_LINE);
    assertThat(r.bytesSent()).isEqualTo(48);
  }

  @Test
  void tcpTextLineHasNoRequestLineAndNoResponseCode() {
    String tcp =
        "[2024-05-02T08:15:03.207Z] \"- - -\" 0 - - - \"-\" 1234 5678 1500 - \"-\" \"-\" \"-\" \"-\""
            + " \"10.244.1.7:3306\" outbound|3306||mysql.db.svc.cluster.local 10.244.0.9:50418"
            + " 10.96.4.4:3306 10.244.0.9:50416 - -";
    AccessLogRecord r = ok(tcp, "").get(0);
    assertThat(r.method()).isEmpty();
    assertThat(r.path()).isEmpty();
    assertThat(r.protocol()).isEmpty();
    assertThat(r.responseCode()).isZero();
    assertThat(r.bytesReceived()).isEqualTo(1234);
    assertThat(r.bytesSent()).isEqualTo(5678);
    assertThat(r.durationMs()).isEqualTo(1500);
    assertThat(r.upstreamServiceTimeMs()).isNull();
    assertThat(r.destinationService()).isEqualTo("mysql");
    assertThat(r.destinationNamespace()).isEqualTo("db");
    assertThat(r.routeName()).isEmpty();
  }

  @Test
  void istio13To18TextFormatWithoutResponseDetails() {
    String line =
        "[2020-11-04T10:00:00.123Z] \"GET /health HTTP/1.1\" 200 - \"-\" 0 2 3 2 \"-\" \"kube-probe/1.18\""
            + " \"1b2c3d4e-0000-4000-8000-000000000001\" \"10.1.2.3:8080\" \"127.0.0.1:8080\""
            + " inbound|8080|http|web.shop.svc.cluster.local 127.0.0.1:40000 10.1.2.3:8080"
            + " 10.1.2.1:50000 - default";
    AccessLogRecord r = ok(line, "").get(0);
    assertThat(r.format()).isEqualTo(AccessLogFormat.ISTIO_TEXT);
    assertThat(r.startTimeMillis())
        .isEqualTo(Instant.parse("2020-11-04T10:00:00.123Z").toEpochMilli());
    assertThat(r.responseCodeDetails()).isEmpty();
    assertThat(r.durationMs()).isEqualTo(3);
    assertThat(r.upstreamServiceTimeMs()).isEqualTo(2L);
    assertThat(r.userAgent()).isEqualTo("kube-probe/1.18");
    assertThat(r.direction()).isEqualTo(Direction.INBOUND);
    assertThat(r.destinationNamespace()).isEqualTo("shop");
    assertThat(r.routeName()).isEqualTo("default");
  }

  @Test
  void mixerEraTextFormatKeepsThePolicyStatus() {
    String line =
        "[2019-03-06T09:31:27.354Z] \"GET /status/418 HTTP/1.1\" 418 - \"-\" 0 135 5 2 \"-\""
            + " \"curl/7.60.0\" \"d209e46f-9ed5-9b61-bbdd-43e22662702a\" \"httpbin:8000\""
            + " \"127.0.0.1:80\" inbound|8000|http|httpbin.default.svc.cluster.local -"
            + " 172.30.146.73:80 172.30.146.82:38618 outbound_.8000_._.httpbin.default.svc.cluster.local";
    AccessLogRecord r = ok(line, "").get(0);
    assertThat(r.responseCode()).isEqualTo(418);
    assertThat(r.extra()).containsExactly(Map.entry("istio_policy_status", ""));
    assertThat(r.upstreamTransportFailureReason()).isEmpty();
    assertThat(r.requestedServerName())
        .isEqualTo("outbound_.8000_._.httpbin.default.svc.cluster.local");
    assertThat(r.routeName()).isEmpty();
    assertThat(r.destinationService()).isEqualTo("httpbin");
  }

  @Test
  void envoyDefaultTextFormat() {
    String line =
        "[2024-01-01T00:00:00.000Z] \"POST /api HTTP/2\" 503 UF,URX 10 91 25 - \"1.2.3.4\""
            + " \"curl/8.0\" \"rid-1\" \"api.example.com\" \"10.0.0.5:443\"";
    AccessLogRecord r = ok(line, "").get(0);
    assertThat(r.format()).isEqualTo(AccessLogFormat.ENVOY_TEXT);
    assertThat(r.responseCode()).isEqualTo(503);
    assertThat(r.responseFlags()).isEqualTo("UF,URX");
    assertThat(r.xForwardedFor()).isEqualTo("1.2.3.4");
    assertThat(r.upstreamHost()).isEqualTo("10.0.0.5:443");
    assertThat(r.upstreamCluster().name()).isEmpty();
  }

  @Test
  void quoteInsideAQuotedFieldDoesNotEndIt() {
    String line = TEXT_LINE.replace("Go-http-client/1.1", "odd \"agent\"/1.0");
    assertThat(ok(line, "").get(0).userAgent()).isEqualTo("odd \"agent\"/1.0");
  }

  @Test
  void traceparentFieldGivesTraceAndSpanIds() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(TYPED_LINE);
    n.put("traceparent", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01");
    n.put("custom", 7);
    AccessLogRecord r = ok(JSON.writeValueAsString(n), "").get(0);
    assertThat(r.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(r.spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(r.extra()).containsExactly(Map.entry("custom", "7"));
  }

  @Test
  void b3TraceIdOf64BitsIsZeroPadded() throws Exception {
    ObjectNode n = (ObjectNode) JSON.readTree(TYPED_LINE);
    n.put("trace_id", "a3ce929d0e0e4736");
    assertThat(ok(JSON.writeValueAsString(n), "").get(0).traceId())
        .isEqualTo("0000000000000000a3ce929d0e0e4736");
  }

  @Test
  void jsonWithoutStartTimeTakesTheForwarderTime() throws Exception {
    ObjectNode line = (ObjectNode) JSON.readTree(TYPED_LINE);
    line.remove("start_time");
    AccessLogRecord r = ok(fluentBit(JSON.writeValueAsString(line)), "").get(0);
    assertThat(r.startTimeMillis())
        .isEqualTo(Instant.parse("2021-08-29T10:19:39.671Z").toEpochMilli());
  }
}
