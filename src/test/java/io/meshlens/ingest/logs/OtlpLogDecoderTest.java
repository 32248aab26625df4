package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.NodeId;
import io.meshlens.ingest.decode.TraceIds;
import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.testdata.RealData;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OtlpLogDecoderTest {

  private static final String TEXT_LINE =
      "[2025-01-30T10:53:16.283Z] \"GET /ratings/0 HTTP/1.1\" 200 - via_upstream - \"-\" 0 48 2 2"
          + " \"-\" \"Go-http-client/1.1\" \"980435c4-7a97-9b78-96c9-dfa19ef8aacc\""
          + " \"ratings:9080\" \"10.244.0.41:9080\" outbound|9080||ratings.bookinfo.svc.cluster.local"
          + " 10.244.0.35:36718 10.107.133.104:9080 10.244.0.35:36700 - default\n";

  private final OtlpLogDecoder decoder = new OtlpLogDecoder();
  private final SimulatedMesh mesh = SimulatedMesh.get();

  private static KeyValue kv(String k, String v) {
    return KeyValue.newBuilder()
        .setKey(k)
        .setValue(AnyValue.newBuilder().setStringValue(v))
        .build();
  }

  private static byte[] request(Resource resource, LogRecord... records) {
    return ExportLogsServiceRequest.newBuilder()
        .addResourceLogs(
            ResourceLogs.newBuilder()
                .setResource(resource)
                .addScopeLogs(ScopeLogs.newBuilder().addAllLogRecords(List.of(records))))
        .build()
        .toByteArray();
  }

  @Test
  void otlpReferenceLogIsAGenericLogLineWithEveryAttributeKind() {
    DecodeResult<LogBatch> r = decoder.decode(RealData.bytes("otlp-proto__examples_logs.json"));
    assertThat(r.failure()).isNull();
    assertThat(r.value().accessLogs()).isEmpty();
    assertThat(r.value().logLines())
        .containsExactly(
            new LogLine(
                1_544_712_660_300_000_000L,
                1_544_712_660_300_000_000L,
                10,
                "Information",
                "Example log record",
                Map.of(
                    "string.attribute", "some string",
                    "boolean.attribute", "true",
                    "int.attribute", "10",
                    "double.attribute", "637.704",
                    "array.attribute", "[\"many\",\"values\"]",
                    "map.attribute", "{\"some.map.key\":\"some value\"}"),
                Map.of("service.name", "my.service"),
                "5b8efff798038103d269b633813fc60c",
                "eee19b7ec3c1b174",
                "my.service",
                "my.library",
                "",
                "",
                "",
                ""));
    assertThat(r.value().logLines().get(0).attributes().keySet())
        .containsExactly(
            "string.attribute",
            "boolean.attribute",
            "int.attribute",
            "double.attribute",
            "array.attribute",
            "map.attribute");
  }

  @Test
  void envoyOtelAccessLoggerRecordBecomesAnAccessLogWithIdentityFromItsAttributes() {
    LogRecord rec =
        LogRecord.newBuilder()
            .setTimeUnixNano(1_738_234_396_283_000_000L)
            .setBody(AnyValue.newBuilder().setStringValue(TEXT_LINE))
            .addAttributes(kv("pod", "reviews-v1-5b8f6c7d9-abcde"))
            .addAttributes(kv("namespace", "bookinfo"))
            .addAttributes(kv("cluster", "east-2"))
            .addAttributes(kv("mesh", "mesh1"))
            .setTraceId(TraceIds.parse("4bf92f3577b34da6a3ce929d0e0e4736"))
            .setSpanId(TraceIds.parse("00f067aa0ba902b7"))
            .build();
    Resource envoy =
        Resource.newBuilder()
            .addAttributes(kv("log_name", "otel_envoy_accesslog"))
            .addAttributes(
                kv(
                    "node_name",
                    "sidecar~10.244.0.35~reviews-v1-5b8f6c7d9-abcde.bookinfo~bookinfo.svc.cluster.local"))
            .build();
    DecodeResult<LogBatch> r = decoder.decode(request(envoy, rec), "hint");
    assertThat(r.value().logLines()).isEmpty();
    AccessLogRecord a = r.value().accessLogs().get(0);
    assertThat(a.format()).isEqualTo(AccessLogFormat.ISTIO_TEXT);
    assertThat(a.namespace()).isEqualTo("bookinfo");
    assertThat(a.pod()).isEqualTo("reviews-v1-5b8f6c7d9-abcde");
    assertThat(a.cluster()).isEqualTo("east-2");
    assertThat(a.extra()).containsExactly(Map.entry("mesh", "mesh1"));
    assertThat(a.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(a.spanId()).isEqualTo("00f067aa0ba902b7");
    assertThat(a.raw()).isEqualTo(TEXT_LINE.strip());
    assertThat(a.direction()).isEqualTo(Direction.OUTBOUND);
    assertThat(a.destinationService()).isEqualTo("ratings");
  }

  @Test
  void recordTraceIdWinsOverATraceparentInTheLine() {
    String json =
        "{\"start_time\":\"2021-08-29T10:19:39.660Z\",\"method\":\"GET\","
            + "\"traceparent\":\"00-11111111111111111111111111111111-2222222222222222-01\"}";
    LogRecord withIds =
        LogRecord.newBuilder()
            .setBody(AnyValue.newBuilder().setStringValue(json))
            .setTraceId(TraceIds.parse("4bf92f3577b34da6a3ce929d0e0e4736"))
            .setSpanId(TraceIds.parse("00f067aa0ba902b7"))
            .build();
    LogRecord withoutIds = withIds.toBuilder().clearTraceId().clearSpanId().build();
    List<AccessLogRecord> a =
        decoder
            .decode(request(Resource.getDefaultInstance(), withIds, withoutIds))
            .value()
            .accessLogs();
    assertThat(a)
        .extracting(AccessLogRecord::traceId, AccessLogRecord::spanId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"),
            org.assertj.core.groups.Tuple.tuple(
                "11111111111111111111111111111111", "2222222222222222"));
  }

  @Test
  void withoutIdentityAttributesTheNodeNameAndClusterHintAreUsed() {
    LogRecord rec =
        LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue(TEXT_LINE)).build();
    Resource envoy =
        Resource.newBuilder()
            .addAttributes(
                kv("node_name", "sidecar~10.0.0.1~pod-a.team-x~team-x.svc.cluster.local"))
            .build();
    AccessLogRecord a = decoder.decode(request(envoy, rec), "west-9").value().accessLogs().get(0);
    assertThat(a.namespace()).isEqualTo("team-x");
    assertThat(a.pod()).isEqualTo("pod-a");
    assertThat(a.cluster()).isEqualTo("west-9");
    assertThat(a.traceId()).isEmpty();
  }

  @Test
  void structuredBodyWithIstioKeysIsAnAccessLog() {
    AnyValue body =
        AnyValue.newBuilder()
            .setKvlistValue(
                KeyValueList.newBuilder()
                    .addValues(kv("start_time", "2021-08-29T10:19:39.660Z"))
                    .addValues(kv("method", "GET"))
                    .addValues(
                        KeyValue.newBuilder()
                            .setKey("response_code")
                            .setValue(AnyValue.newBuilder().setIntValue(204)))
                    .addValues(kv("upstream_cluster", "outbound|80||web.shop.svc.cluster.local")))
            .build();
    LogRecord rec = LogRecord.newBuilder().setBody(body).build();
    AccessLogRecord a =
        decoder.decode(request(Resource.getDefaultInstance(), rec)).value().accessLogs().get(0);
    assertThat(a.format()).isEqualTo(AccessLogFormat.ISTIO_JSON);
    assertThat(a.responseCode()).isEqualTo(204);
    assertThat(a.destinationNamespace()).isEqualTo("shop");
  }

  @Test
  void applicationLogWithKubernetesResourceIsALogLine() {
    LogRecord rec =
        LogRecord.newBuilder()
            .setTimeUnixNano(5)
            .setSeverityText("ERROR")
            .setSeverityNumberValue(17)
            .setBody(AnyValue.newBuilder().setStringValue("[main] payment declined"))
            .setTraceId(ByteString.copyFrom(new byte[16]))
            .build();
    Resource k8s =
        Resource.newBuilder()
            .addAttributes(kv("service.name", "checkout"))
            .addAttributes(kv("k8s.namespace.name", "shop"))
            .addAttributes(kv("k8s.pod.name", "checkout-7d9c-xyz"))
            .addAttributes(kv("k8s.cluster.name", "east-1"))
            .build();
    LogLine l = decoder.decode(request(k8s, rec), "hint").value().logLines().get(0);
    assertThat(l.body()).isEqualTo("[main] payment declined");
    assertThat(l.namespace()).isEqualTo("shop");
    assertThat(l.pod()).isEqualTo("checkout-7d9c-xyz");
    assertThat(l.cluster()).isEqualTo("east-1");
    assertThat(l.serviceName()).isEqualTo("checkout");
    assertThat(l.severityNumber()).isEqualTo(17);
    assertThat(l.traceId()).isEmpty();
    assertThat(l.timeNanos()).isEqualTo(5);
  }

  @Test
  void recordWithAWrongLengthTraceIdIsRejectedAlone() {
    LogRecord good =
        LogRecord.newBuilder().setBody(AnyValue.newBuilder().setStringValue("a")).build();
    LogRecord bad = good.toBuilder().setTraceId(ByteString.copyFrom(new byte[] {1, 2, 3})).build();
    DecodeResult<LogBatch> r = decoder.decode(request(Resource.getDefaultInstance(), bad, good));
    assertThat(r.value().size()).isEqualTo(1);
    assertThat(r.rejected()).hasSize(1);
    assertThat(r.rejected().get(0).reason()).isEqualTo(FailureReason.INVALID_TRACE_ID);
    assertThat(r.rejected().get(0).item()).isZero();
    assertThat(decoder.decode(request(Resource.getDefaultInstance(), bad)).reason())
        .isEqualTo(FailureReason.INVALID_TRACE_ID);
  }

  @Test
  void badMessagesFailWithTheirReason() {
    assertThat(decoder.decode(new byte[0]).reason()).isEqualTo(FailureReason.EMPTY);
    assertThat(decoder.decode("not protobuf".getBytes(StandardCharsets.UTF_8)).reason())
        .isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(
            decoder
                .decode(
                    "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":"
                        .getBytes(StandardCharsets.UTF_8))
                .reason())
        .isEqualTo(FailureReason.DECODE_ERROR);
    assertThat(
            decoder.decode("{\"resourceLogs\":\"x\"}".getBytes(StandardCharsets.UTF_8)).message())
        .isEqualTo("resourceLogs: expected an array, found a string");
    assertThat(decoder.decode("{\"resourceLogs\":[]}".getBytes(StandardCharsets.UTF_8)).reason())
        .isEqualTo(FailureReason.EMPTY);
  }

  private List<LogRecord> simulatorRecords() {
    List<LogRecord> out = new ArrayList<>();
    for (ExportLogsServiceRequest r : mesh.logRequests) {
      for (ResourceLogs rl : r.getResourceLogsList()) {
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          out.addAll(sl.getLogRecordsList());
        }
      }
    }
    return out;
  }

  private List<AccessLogRecord> decodeAll(List<byte[]> messages) {
    List<AccessLogRecord> out = new ArrayList<>();
    for (byte[] m : messages) {
      DecodeResult<LogBatch> r = decoder.decode(m, "");
      assertThat(r.failure()).isNull();
      assertThat(r.rejected()).isEmpty();
      assertThat(r.value().logLines()).isEmpty();
      out.addAll(r.value().accessLogs());
    }
    return out;
  }

  @Test
  void everySimulatedOtlpAccessLogDecodesInBothEncodings() {
    List<AccessLogRecord> fromProto = decodeAll(mesh.logProto());
    assertThat((long) fromProto.size())
        .isEqualTo(mesh.truth().otlpLogRecordsEmitted())
        .isPositive();
    assertThat(decodeAll(mesh.logJson())).isEqualTo(fromProto);
  }

  @Test
  void simulatedOtlpAccessLogsKeepIdentityTimeAndTraceIds() {
    List<AccessLogRecord> decoded = decodeAll(mesh.logProto());
    List<LogRecord> proto = simulatorRecords();
    assertThat(decoded).hasSameSizeAs(proto);
    for (int i = 0; i < proto.size(); i++) {
      LogRecord p = proto.get(i);
      AccessLogRecord a = decoded.get(i);
      Map<String, String> attrs = new java.util.HashMap<>();
      for (KeyValue kv : p.getAttributesList()) {
        attrs.put(kv.getKey(), kv.getValue().getStringValue());
      }
      assertThat(a.pod()).isEqualTo(attrs.get("pod"));
      assertThat(a.namespace()).isEqualTo(attrs.get("namespace"));
      assertThat(a.cluster()).isEqualTo(attrs.get("cluster"));
      assertThat(a.startTimeMillis()).isEqualTo(p.getTimeUnixNano() / 1_000_000L);
      assertThat(a.traceId()).isEqualTo(TraceIds.hex(p.getTraceId()));
      assertThat(a.spanId()).isEqualTo(TraceIds.hex(p.getSpanId()));
      assertThat(a.raw()).isEqualTo(p.getBody().getStringValue());
      assertThat(a.requestId()).hasSize(36);
      assertThat(a.direction()).isNotEqualTo(Direction.UNKNOWN);
    }
    assertThat(decoded).anySatisfy(a -> assertThat(a.traceId()).hasSize(32));
    assertThat(NodeId.NONE.pod()).isEmpty();
  }
}
