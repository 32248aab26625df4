package io.meshlens.api.jaeger;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The JSON of Jaeger's query service ({@code model/json} and {@code structuredResponse} in Jaeger's
 * {@code cmd/query/app}), which Grafana's Jaeger data source and the Jaeger UI read. Field names
 * and order are Jaeger's; {@code null} lists are written as {@code null}, as Go writes nil slices.
 */
final class JaegerJson {

  private JaegerJson() {}

  /**
   * Every answer: {@code data} plus {@code total}, {@code limit}, {@code offset} and {@code
   * errors}.
   */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonPropertyOrder({"data", "total", "limit", "offset", "errors"})
  record Response(Object data, int total, int limit, int offset, List<Error> errors) {

    static Response of(List<?> data) {
      return new Response(data, data.size(), 0, 0, null);
    }

    static Response of(List<?> data, List<Error> errors) {
      return new Response(data, data.size(), 0, 0, errors.isEmpty() ? null : errors);
    }

    /** An error answer: {@code {"data":null,...,"errors":[{"code":404,"msg":"..."}]}}. */
    static Response error(int code, String msg) {
      return new Response(null, 0, 0, 0, List.of(new Error(code, msg, null)));
    }
  }

  /**
   * One error: {@code code} is the HTTP status of a failed request, absent for a per-trace error in
   * a successful answer, which names its {@code traceID} instead.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"code", "msg", "traceID"})
  record Error(Integer code, String msg, String traceID) {
    Error {
      Objects.requireNonNull(msg, "msg");
    }
  }

  /** One trace: its spans, the processes they name by id ({@code p1}, ...) and warnings. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonPropertyOrder({"traceID", "spans", "processes", "warnings"})
  record Trace(
      String traceID, List<Span> spans, Map<String, Process> processes, List<String> warnings) {}

  /** One span; times and durations in microseconds. */
  @JsonInclude(JsonInclude.Include.ALWAYS)
  @JsonPropertyOrder({
    "traceID",
    "spanID",
    "operationName",
    "references",
    "startTime",
    "duration",
    "tags",
    "logs",
    "processID",
    "warnings"
  })
  record Span(
      String traceID,
      String spanID,
      String operationName,
      List<Reference> references,
      long startTime,
      long duration,
      List<KeyValue> tags,
      List<Log> logs,
      String processID,
      List<String> warnings) {}

  /** A reference to another span: {@code CHILD_OF} its parent. */
  @JsonPropertyOrder({"refType", "traceID", "spanID"})
  record Reference(String refType, String traceID, String spanID) {

    static Reference childOf(String traceId, String spanId) {
      return new Reference("CHILD_OF", traceId, spanId);
    }
  }

  /** The service that reported a span, with its tags. */
  @JsonPropertyOrder({"serviceName", "tags"})
  record Process(String serviceName, List<KeyValue> tags) {}

  /** A span log (an OTLP span event). */
  @JsonPropertyOrder({"timestamp", "fields"})
  record Log(long timestamp, List<KeyValue> fields) {}

  /** A tag: {@code type} is {@code string}, {@code bool}, {@code int64} or {@code float64}. */
  @JsonPropertyOrder({"key", "type", "value"})
  record KeyValue(String key, String type, Object value) {

    static KeyValue string(String key, String value) {
      return new KeyValue(key, "string", value);
    }

    static KeyValue bool(String key, boolean value) {
      return new KeyValue(key, "bool", value);
    }
  }

  /** One entry of {@code /api/operations}. */
  @JsonPropertyOrder({"name", "spanKind"})
  record Operation(String name, String spanKind) {}
}
