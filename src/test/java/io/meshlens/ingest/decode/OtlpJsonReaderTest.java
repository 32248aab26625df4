package io.meshlens.ingest.decode;

import static io.meshlens.ingest.spans.SimulatedMesh.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import org.junit.jupiter.api.Test;

class OtlpJsonReaderTest {

  private static Span onlySpan(String json) {
    DecodeResult<ExportTraceServiceRequest> r = OtlpJsonReader.readTraces(utf8(json));
    assertThat(r.failure()).isNull();
    return r.value().getResourceSpans(0).getScopeSpans(0).getSpans(0);
  }

  @Test
  void readsEnumsByNameOrNumberAndInt64AsStringOrNumber() {
    Span s =
        onlySpan(
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"kind\":\"SPAN_KIND_CLIENT\","
                + "\"startTimeUnixNano\":1544712660000000000,\"endTimeUnixNano\":\"1544712661000000000\","
                + "\"status\":{\"code\":2,\"message\":\"boom\"}}]}]}]}");
    assertThat(s.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(s.getStartTimeUnixNano()).isEqualTo(1_544_712_660_000_000_000L);
    assertThat(s.getEndTimeUnixNano()).isEqualTo(1_544_712_661_000_000_000L);
    assertThat(s.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(s.getStatus().getMessage()).isEqualTo("boom");
  }

  @Test
  void acceptsSnakeCaseNamesAndPreOneZeroInstrumentationLibraryKeys() {
    Span s =
        onlySpan(
            "{\"resource_spans\":[{\"instrumentationLibrarySpans\":[{\"instrumentationLibrary\":"
                + "{\"name\":\"old\"},\"spans\":[{\"trace_id\":\"0102030405060708090a0b0c0d0e0f10\","
                + "\"span_id\":\"0102030405060708\",\"parent_span_id\":\"\"}]}]}]}");
    assertThat(TraceIds.hex(s.getTraceId())).isEqualTo("0102030405060708090a0b0c0d0e0f10");
    assertThat(TraceIds.hex(s.getSpanId())).isEqualTo("0102030405060708");
    assertThat(s.getParentSpanId().isEmpty()).isTrue();
  }

  @Test
  void readsEveryAttributeValueKind() {
    Span s =
        onlySpan(
            "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":["
                + "{\"key\":\"s\",\"value\":{\"stringValue\":\"x\"}},"
                + "{\"key\":\"b\",\"value\":{\"boolValue\":true}},"
                + "{\"key\":\"i\",\"value\":{\"intValue\":\"-42\"}},"
                + "{\"key\":\"d\",\"value\":{\"doubleValue\":\"NaN\"}},"
                + "{\"key\":\"y\",\"value\":{\"bytesValue\":\"AQI=\"}},"
                + "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":1},{\"stringValue\":\"two\"}]}}},"
                + "{\"key\":\"m\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"z\",\"value\":{\"boolValue\":false}}]}}},"
                + "{\"key\":\"n\",\"value\":null},"
                + "{\"key\":\"u\",\"value\":{\"unknownValue\":{\"deep\":[1,2]}},\"extra\":1}"
                + "]}]}]}]}");
    assertThat(s.getAttributesList())
        .extracting(kv -> kv.getKey() + "=" + AttributeText.asString(kv.getValue()))
        .containsExactly(
            "s=x",
            "b=true",
            "i=-42",
            "d=json: unsupported value: NaN",
            "y=AQI=",
            "a=[1,\"two\"]",
            "m={\"z\":false}",
            "n=",
            "u=");
    assertThat(s.getAttributes(3).getValue().getValueCase())
        .isEqualTo(AnyValue.ValueCase.DOUBLE_VALUE);
  }

  @Test
  void tempoV2TraceWrapperIsUnwrapped() {
    Span s =
        onlySpan(
            "{\"trace\":{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"name\":\"wrapped\"}]}]}]}}");
    assertThat(s.getName()).isEqualTo("wrapped");
  }

  @Test
  void logsRequestReadsSeverityByNameAndBody() {
    var r =
        OtlpJsonReader.readLogs(
            utf8(
                "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"severityNumber\":"
                    + "\"SEVERITY_NUMBER_WARN\",\"body\":{\"stringValue\":\"hi\"},"
                    + "\"traceId\":\"\",\"flags\":1}]}]}]}"));
    assertThat(r.failure()).isNull();
    var rec = r.value().getResourceLogs(0).getScopeLogs(0).getLogRecords(0);
    assertThat(rec.getSeverityNumberValue()).isEqualTo(13);
    assertThat(rec.getBody().getStringValue()).isEqualTo("hi");
    assertThat(rec.getFlags()).isEqualTo(1);
  }

  @Test
  void logsDocumentWithoutResourceLogsIsWrongShape() {
    var r = OtlpJsonReader.readLogs(utf8("{\"resourceSpans\":[]}"));
    assertThat(r.reason()).isEqualTo(FailureReason.WRONG_SHAPE);
    assertThat(r.message()).isEqualTo("no resourceLogs in the JSON object");
  }
}
