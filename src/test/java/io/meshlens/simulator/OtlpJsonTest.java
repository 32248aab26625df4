package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class OtlpJsonTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private static ExportTraceServiceRequest oneSpan() {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(
                    ScopeSpans.newBuilder()
                        .addSpans(
                            Span.newBuilder()
                                .setTraceId(ByteString.fromHex("5b8efff798038103d269b633813fc60c"))
                                .setSpanId(ByteString.fromHex("eee19b7ec3c1b174"))
                                .setParentSpanId(ByteString.fromHex("eee19b7ec3c1b173"))
                                .setName("traceId\":\"not-an-id")
                                .setKind(Span.SpanKind.SPAN_KIND_SERVER)
                                .setStartTimeUnixNano(1544712660000000000L)
                                .addAttributes(
                                    KeyValue.newBuilder()
                                        .setKey("raw")
                                        .setValue(
                                            AnyValue.newBuilder()
                                                .setBytesValue(ByteString.copyFromUtf8("hi")))))))
        .build();
  }

  @Test
  void writesIdsAsLowerCaseHexEnumsAsIntegersAndInt64AsStrings() throws Exception {
    JsonNode span =
        JSON.readTree(OtlpJson.print(oneSpan())).at("/resourceSpans/0/scopeSpans/0/spans/0");
    assertThat(span.get("traceId").asText()).isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(span.get("spanId").asText()).isEqualTo("eee19b7ec3c1b174");
    assertThat(span.get("parentSpanId").asText()).isEqualTo("eee19b7ec3c1b173");
    assertThat(span.get("kind").isInt()).isTrue();
    assertThat(span.get("kind").asInt()).isEqualTo(2);
    assertThat(span.get("startTimeUnixNano").isTextual()).isTrue();
    assertThat(span.get("startTimeUnixNano").asText()).isEqualTo("1544712660000000000");
    // Only the id fields change: a name that looks like one and bytes values stay as they are.
    assertThat(span.get("name").asText()).isEqualTo("traceId\":\"not-an-id");
    assertThat(span.at("/attributes/0/value/bytesValue").asText()).isEqualTo("aGk=");
  }

  @Test
  void readsBackWhatItWrites() throws Exception {
    assertThat(OtlpJson.parseTraces(OtlpJson.print(oneSpan()))).isEqualTo(oneSpan());
  }

  @Test
  void simulatorOutputRoundTripsThroughOtlpJson() throws Exception {
    MeshSimulator sim = new MeshSimulator(SimulatorFixtures.quick().withSpanSampleRate(0.5), START);
    sim.tick(START.plusSeconds(10));
    TickOutput out = sim.tick(START.plusSeconds(20));
    for (ExportMetricsServiceRequest r : out.metrics()) {
      assertThat(OtlpJson.parseMetrics(OtlpJson.print(r))).isEqualTo(r);
    }
    for (ExportTraceServiceRequest r : out.spans()) {
      String json = OtlpJson.print(r);
      assertThat(json).containsPattern("\"traceId\":\"[0-9a-f]{32}\"");
      assertThat(json).containsPattern("\"spanId\":\"[0-9a-f]{16}\"");
      assertThat(OtlpJson.parseTraces(json)).isEqualTo(r);
    }
    for (ExportLogsServiceRequest r : out.logs()) {
      assertThat(OtlpJson.parseLogs(OtlpJson.print(r))).isEqualTo(r);
    }
  }

  @Test
  void readsTheCanonicalOtlpJsonExamples() throws Exception {
    var dir = SimulatorFixtures.realData();
    ExportTraceServiceRequest trace =
        OtlpJson.parseTraces(Files.readString(dir.resolve("otlp-proto__examples_trace.json")));
    Span span = trace.getResourceSpans(0).getScopeSpans(0).getSpans(0);
    assertThat(span.getTraceId()).isEqualTo(ByteString.fromHex("5b8efff798038103d269b633813fc60c"));
    assertThat(span.getParentSpanId()).isEqualTo(ByteString.fromHex("eee19b7ec3c1b173"));
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    ExportLogsServiceRequest logs =
        OtlpJson.parseLogs(Files.readString(dir.resolve("otlp-proto__examples_logs.json")));
    assertThat(logs.getResourceLogs(0).getScopeLogs(0).getLogRecords(0).getSpanId())
        .isEqualTo(ByteString.fromHex("eee19b7ec3c1b174"));
    ExportMetricsServiceRequest metrics =
        OtlpJson.parseMetrics(Files.readString(dir.resolve("otlp-proto__examples_metrics.json")));
    assertThat(metrics.getResourceMetrics(0).getScopeMetrics(0).getMetrics(0).getName())
        .isEqualTo("my.counter");
  }
}
