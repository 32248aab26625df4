package io.meshlens.ingest.decode;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.UnsafeByteOperations;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.logs.v1.SeverityNumber;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.io.IOException;
import java.math.BigInteger;
import java.util.Base64;

/**
 * Reads OTLP/JSON trace and log requests into their protobuf messages, in one streaming pass.
 *
 * <p>OTLP/JSON is protobuf's JSON mapping with two differences that protobuf's own {@code
 * JsonFormat} gets wrong: trace and span ids are hex strings, not base64, and enums may be
 * integers. Beyond the specification this reader accepts what real producers write: field names in
 * lowerCamelCase or snake_case, 64-bit integers as strings or numbers, enums as integers or names,
 * ids in hex or base64 (see {@link TraceIds#parse}), the pre-1.0 {@code instrumentationLibrary*}
 * keys, and Tempo's trace-by-id responses ({@code {"batches": [...]}} and {@code {"trace":
 * {...}}}). Unknown fields are skipped, as the specification requires of receivers.
 *
 * <p>It never throws on bad input: the result names the reason ({@code decode_error} for JSON that
 * does not parse, {@code wrong_shape} for JSON of another structure, {@code invalid_trace_id} /
 * {@code invalid_span_id} for ids that are neither hex nor base64) and the path of the offending
 * field, e.g. {@code resourceSpans[0].scopeSpans[0].spans[2].kind}. Thread-safe.
 */
public final class OtlpJsonReader {

  /** OTLP nests only AnyValue arrays and maps deeply; 128 levels is far beyond real data. */
  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(128).build())
          .build();

  private OtlpJsonReader() {}

  /** Reads an ExportTraceServiceRequest (or a Tempo trace response holding its resource spans). */
  public static DecodeResult<ExportTraceServiceRequest> readTraces(byte[] json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
      startDocument(p, "resourceSpans");
      if (!traceFields(p, b)) {
        throw Bad.shape("", "no resourceSpans (nor Tempo batches) in the JSON object");
      }
      endDocument(p);
      return DecodeResult.ok(b.build());
    } catch (Bad e) {
      return DecodeResult.failed(e.reason, e.describe());
    } catch (IOException e) {
      return DecodeResult.failed(FailureReason.DECODE_ERROR, jsonError(e));
    }
  }

  /** Reads an ExportLogsServiceRequest. */
  public static DecodeResult<ExportLogsServiceRequest> readLogs(byte[] json) {
    try (JsonParser p = FACTORY.createParser(json)) {
      ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
      startDocument(p, "resourceLogs");
      boolean found = false;
      String f;
      while ((f = p.nextFieldName()) != null) {
        JsonToken v = next(p);
        switch (f) {
          case "resourceLogs", "resource_logs" -> {
            found = true;
            array(p, v, f, q -> b.addResourceLogs(resourceLogs(q)));
          }
          default -> p.skipChildren();
        }
      }
      if (!found) {
        throw Bad.shape("", "no resourceLogs in the JSON object");
      }
      endDocument(p);
      return DecodeResult.ok(b.build());
    } catch (Bad e) {
      return DecodeResult.failed(e.reason, e.describe());
    } catch (IOException e) {
      return DecodeResult.failed(FailureReason.DECODE_ERROR, jsonError(e));
    }
  }

  // ------------------------------------------------------------------ document

  private static void startDocument(JsonParser p, String expected) throws IOException, Bad {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new Bad(FailureReason.EMPTY, "", "no JSON value");
    }
    if (t != JsonToken.START_OBJECT) {
      throw Bad.shape("", "expected a JSON object with " + expected + ", found " + describe(t));
    }
  }

  private static void endDocument(JsonParser p) throws IOException, Bad {
    if (p.nextToken() != null) {
      throw new Bad(FailureReason.DECODE_ERROR, "", "more content after the JSON object");
    }
  }

  private static String jsonError(IOException e) {
    if (e instanceof StreamConstraintsException) {
      return "JSON beyond limits: " + e.getMessage();
    }
    if (e instanceof JsonProcessingException jpe) {
      JsonLocation at = jpe.getLocation();
      String where =
          at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      return "not valid JSON: " + firstLine(jpe.getOriginalMessage()) + where;
    }
    return "cannot read JSON: " + e.getMessage();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  // ------------------------------------------------------------------ traces

  /** Fields of a trace request object; true when it had the resource spans key. */
  private static boolean traceFields(JsonParser p, ExportTraceServiceRequest.Builder b)
      throws IOException, Bad {
    boolean found = false;
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "resourceSpans", "resource_spans", "batches" -> {
          found = true;
          array(p, v, f, q -> b.addResourceSpans(resourceSpans(q)));
        }
        case "trace" -> {
          // Tempo's v2 trace-by-id response wraps the request in {"trace": {...}}.
          if (v == JsonToken.START_OBJECT) {
            found |= traceFields(p, b);
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    return found;
  }

  private static ResourceSpans resourceSpans(JsonParser p) throws IOException, Bad {
    expectObject(p);
    ResourceSpans.Builder b = ResourceSpans.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "resource" -> object(p, v, f, q -> b.setResource(resource(q)));
        case "scopeSpans",
            "scope_spans",
            "instrumentationLibrarySpans",
            "instrumentation_library_spans" ->
            array(p, v, f, q -> b.addScopeSpans(scopeSpans(q)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(string(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static ScopeSpans scopeSpans(JsonParser p) throws IOException, Bad {
    expectObject(p);
    ScopeSpans.Builder b = ScopeSpans.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "scope", "instrumentationLibrary", "instrumentation_library" ->
            object(p, v, f, q -> b.setScope(scope(q)));
        case "spans" -> array(p, v, f, q -> b.addSpans(span(q)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(string(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static Span span(JsonParser p) throws IOException, Bad {
    expectObject(p);
    Span.Builder b = Span.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "traceId", "trace_id" -> b.setTraceId(id(p, v, f, FailureReason.INVALID_TRACE_ID));
        case "spanId", "span_id" -> b.setSpanId(id(p, v, f, FailureReason.INVALID_SPAN_ID));
        case "parentSpanId", "parent_span_id" ->
            b.setParentSpanId(id(p, v, f, FailureReason.INVALID_SPAN_ID));
        case "traceState", "trace_state" -> b.setTraceState(string(p, v, f));
        case "flags" -> b.setFlags((int) uint32(p, v, f));
        case "name" -> b.setName(string(p, v, f));
        case "kind" -> b.setKindValue(enumValue(p, v, f, Span.SpanKind.getDescriptor()));
        case "startTimeUnixNano", "start_time_unix_nano" -> b.setStartTimeUnixNano(uint64(p, v, f));
        case "endTimeUnixNano", "end_time_unix_nano" -> b.setEndTimeUnixNano(uint64(p, v, f));
        case "attributes" -> array(p, v, f, q -> b.addAttributes(keyValue(q)));
        case "droppedAttributesCount", "dropped_attributes_count" ->
            b.setDroppedAttributesCount((int) uint32(p, v, f));
        case "events" -> array(p, v, f, q -> b.addEvents(event(q)));
        case "droppedEventsCount", "dropped_events_count" ->
            b.setDroppedEventsCount((int) uint32(p, v, f));
        case "links" -> array(p, v, f, q -> b.addLinks(link(q)));
        case "droppedLinksCount", "dropped_links_count" ->
            b.setDroppedLinksCount((int) uint32(p, v, f));
        case "status" -> object(p, v, f, q -> b.setStatus(status(q)));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static Span.Event event(JsonParser p) throws IOException, Bad {
    expectObject(p);
    Span.Event.Builder b = Span.Event.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "timeUnixNano", "time_unix_nano" -> b.setTimeUnixNano(uint64(p, v, f));
        case "name" -> b.setName(string(p, v, f));
        case "attributes" -> array(p, v, f, q -> b.addAttributes(keyValue(q)));
        case "droppedAttributesCount", "dropped_attributes_count" ->
            b.setDroppedAttributesCount((int) uint32(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static Span.Link link(JsonParser p) throws IOException, Bad {
    expectObject(p);
    Span.Link.Builder b = Span.Link.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "traceId", "trace_id" -> b.setTraceId(id(p, v, f, FailureReason.INVALID_TRACE_ID));
        case "spanId", "span_id" -> b.setSpanId(id(p, v, f, FailureReason.INVALID_SPAN_ID));
        case "traceState", "trace_state" -> b.setTraceState(string(p, v, f));
        case "attributes" -> array(p, v, f, q -> b.addAttributes(keyValue(q)));
        case "droppedAttributesCount", "dropped_attributes_count" ->
            b.setDroppedAttributesCount((int) uint32(p, v, f));
        case "flags" -> b.setFlags((int) uint32(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static Status status(JsonParser p) throws IOException, Bad {
    expectObject(p);
    Status.Builder b = Status.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "code" -> b.setCodeValue(enumValue(p, v, f, Status.StatusCode.getDescriptor()));
        case "message" -> b.setMessage(string(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  // ------------------------------------------------------------------ logs

  private static ResourceLogs resourceLogs(JsonParser p) throws IOException, Bad {
    expectObject(p);
    ResourceLogs.Builder b = ResourceLogs.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "resource" -> object(p, v, f, q -> b.setResource(resource(q)));
        case "scopeLogs",
            "scope_logs",
            "instrumentationLibraryLogs",
            "instrumentation_library_logs" ->
            array(p, v, f, q -> b.addScopeLogs(scopeLogs(q)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(string(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static ScopeLogs scopeLogs(JsonParser p) throws IOException, Bad {
    expectObject(p);
    ScopeLogs.Builder b = ScopeLogs.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "scope", "instrumentationLibrary", "instrumentation_library" ->
            object(p, v, f, q -> b.setScope(scope(q)));
        case "logRecords", "log_records" -> array(p, v, f, q -> b.addLogRecords(logRecord(q)));
        case "schemaUrl", "schema_url" -> b.setSchemaUrl(string(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static LogRecord logRecord(JsonParser p) throws IOException, Bad {
    expectObject(p);
    LogRecord.Builder b = LogRecord.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "timeUnixNano", "time_unix_nano" -> b.setTimeUnixNano(uint64(p, v, f));
        case "observedTimeUnixNano", "observed_time_unix_nano" ->
            b.setObservedTimeUnixNano(uint64(p, v, f));
        case "severityNumber", "severity_number" ->
            b.setSeverityNumberValue(enumValue(p, v, f, SeverityNumber.getDescriptor()));
        case "severityText", "severity_text" -> b.setSeverityText(string(p, v, f));
        case "body" -> b.setBody(anyValue(p, v, f));
        case "attributes" -> array(p, v, f, q -> b.addAttributes(keyValue(q)));
        case "droppedAttributesCount", "dropped_attributes_count" ->
            b.setDroppedAttributesCount((int) uint32(p, v, f));
        case "flags" -> b.setFlags((int) uint32(p, v, f));
        case "traceId", "trace_id" -> b.setTraceId(id(p, v, f, FailureReason.INVALID_TRACE_ID));
        case "spanId", "span_id" -> b.setSpanId(id(p, v, f, FailureReason.INVALID_SPAN_ID));
        case "eventName", "event_name" -> b.setEventName(string(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  // ------------------------------------------------------------------ common

  private static Resource resource(JsonParser p) throws IOException, Bad {
    expectObject(p);
    Resource.Builder b = Resource.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "attributes" -> array(p, v, f, q -> b.addAttributes(keyValue(q)));
        case "droppedAttributesCount", "dropped_attributes_count" ->
            b.setDroppedAttributesCount((int) uint32(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static InstrumentationScope scope(JsonParser p) throws IOException, Bad {
    expectObject(p);
    InstrumentationScope.Builder b = InstrumentationScope.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "name" -> b.setName(string(p, v, f));
        case "version" -> b.setVersion(string(p, v, f));
        case "attributes" -> array(p, v, f, q -> b.addAttributes(keyValue(q)));
        case "droppedAttributesCount", "dropped_attributes_count" ->
            b.setDroppedAttributesCount((int) uint32(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static KeyValue keyValue(JsonParser p) throws IOException, Bad {
    expectObject(p);
    KeyValue.Builder b = KeyValue.newBuilder();
    String f;
    while ((f = p.nextFieldName()) != null) {
      JsonToken v = next(p);
      switch (f) {
        case "key" -> b.setKey(string(p, v, f));
        case "value" -> b.setValue(anyValue(p, v, f));
        default -> p.skipChildren();
      }
    }
    return b.build();
  }

  private static AnyValue anyValue(JsonParser p, JsonToken t, String field)
      throws IOException, Bad {
    if (t == JsonToken.VALUE_NULL) {
      return AnyValue.getDefaultInstance();
    }
    if (t != JsonToken.START_OBJECT) {
      throw Bad.shape(field, "expected an object, found " + describe(t));
    }
    try {
      AnyValue.Builder b = AnyValue.newBuilder();
      String f;
      while ((f = p.nextFieldName()) != null) {
        JsonToken v = next(p);
        switch (f) {
          case "stringValue", "string_value" -> b.setStringValue(string(p, v, f));
          case "boolValue", "bool_value" -> b.setBoolValue(bool(v, f));
          case "intValue", "int_value" -> b.setIntValue(int64(p, v, f));
          case "doubleValue", "double_value" -> b.setDoubleValue(float64(p, v, f));
          case "bytesValue", "bytes_value" -> b.setBytesValue(bytes(p, v, f));
          case "arrayValue", "array_value" -> {
            ArrayValue.Builder a = ArrayValue.newBuilder();
            object(
                p,
                v,
                f,
                q -> {
                  String g;
                  while ((g = q.nextFieldName()) != null) {
                    JsonToken w = next(q);
                    if (g.equals("values")) {
                      array(q, w, g, r -> a.addValues(anyValue(r, r.currentToken(), "value")));
                    } else {
                      q.skipChildren();
                    }
                  }
                });
            b.setArrayValue(a);
          }
          case "kvlistValue", "kvlist_value" -> {
            KeyValueList.Builder l = KeyValueList.newBuilder();
            object(
                p,
                v,
                f,
                q -> {
                  String g;
                  while ((g = q.nextFieldName()) != null) {
                    JsonToken w = next(q);
                    if (g.equals("values")) {
                      array(q, w, g, r -> l.addValues(keyValue(r)));
                    } else {
                      q.skipChildren();
                    }
                  }
                });
            b.setKvlistValue(l);
          }
          default -> p.skipChildren();
        }
      }
      return b.build();
    } catch (Bad e) {
      throw e.at(field);
    }
  }

  /** Reads one element of an array or the value of an object field. */
  @FunctionalInterface
  private interface Reader {
    void read(JsonParser p) throws IOException, Bad;
  }

  /** An array field: each element handed to {@code element}; {@code null} is an empty array. */
  private static void array(JsonParser p, JsonToken t, String field, Reader element)
      throws IOException, Bad {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    if (t != JsonToken.START_ARRAY) {
      throw Bad.shape(field, "expected an array, found " + describe(t));
    }
    int i = 0;
    while (next(p) != JsonToken.END_ARRAY) {
      try {
        element.read(p);
      } catch (Bad e) {
        throw e.at(field + "[" + i + "]");
      }
      i++;
    }
  }

  /** An object field read by {@code reader}; {@code null} leaves the field unset. */
  private static void object(JsonParser p, JsonToken t, String field, Reader reader)
      throws IOException, Bad {
    if (t == JsonToken.VALUE_NULL) {
      return;
    }
    if (t != JsonToken.START_OBJECT) {
      throw Bad.shape(field, "expected an object, found " + describe(t));
    }
    try {
      reader.read(p);
    } catch (Bad e) {
      throw e.at(field);
    }
  }

  private static void expectObject(JsonParser p) throws Bad {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_OBJECT) {
      throw Bad.shape("", "expected an object, found " + describe(t));
    }
  }

  /** The next token; end of input inside a document is a decode error, not a silent stop. */
  private static JsonToken next(JsonParser p) throws IOException, Bad {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new Bad(FailureReason.DECODE_ERROR, "", "unexpected end of JSON input");
    }
    return t;
  }

  private static String string(JsonParser p, JsonToken t, String field) throws IOException, Bad {
    if (t == JsonToken.VALUE_STRING) {
      return p.getText();
    }
    if (t == JsonToken.VALUE_NULL) {
      return "";
    }
    throw Bad.shape(field, "expected a string, found " + describe(t));
  }

  private static boolean bool(JsonToken t, String field) throws Bad {
    return switch (t) {
      case VALUE_TRUE -> true;
      case VALUE_FALSE, VALUE_NULL -> false;
      default -> throw Bad.shape(field, "expected true or false, found " + describe(t));
    };
  }

  /** A signed 64-bit integer, as a string (the OTLP/JSON form) or a number. */
  private static long int64(JsonParser p, JsonToken t, String field) throws IOException, Bad {
    try {
      switch (t) {
        case VALUE_STRING:
          return Long.parseLong(p.getText().trim());
        case VALUE_NUMBER_INT:
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw Bad.shape(field, "integer out of the 64-bit range: " + p.getText());
          }
          return p.getLongValue();
        case VALUE_NULL:
          return 0;
        default:
          throw Bad.shape(field, "expected an integer, found " + describe(t));
      }
    } catch (NumberFormatException e) {
      throw Bad.shape(field, "not an integer: \"" + abbreviate(p.getText()) + "\"");
    }
  }

  /** An unsigned 64-bit integer (the fixed64 timestamps), as a string or a number. */
  private static long uint64(JsonParser p, JsonToken t, String field) throws IOException, Bad {
    try {
      switch (t) {
        case VALUE_STRING:
          return Long.parseUnsignedLong(p.getText().trim());
        case VALUE_NUMBER_INT:
          if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            BigInteger v = p.getBigIntegerValue();
            if (v.signum() < 0 || v.bitLength() > 64) {
              throw Bad.shape(field, "integer out of the unsigned 64-bit range: " + v);
            }
            return v.longValue();
          }
          long v = p.getLongValue();
          if (v < 0) {
            throw Bad.shape(field, "negative value for an unsigned integer: " + v);
          }
          return v;
        case VALUE_NULL:
          return 0;
        default:
          throw Bad.shape(field, "expected an integer, found " + describe(t));
      }
    } catch (NumberFormatException e) {
      throw Bad.shape(field, "not an unsigned integer: \"" + abbreviate(p.getText()) + "\"");
    }
  }

  private static long uint32(JsonParser p, JsonToken t, String field) throws IOException, Bad {
    long v = int64(p, t, field);
    if (v < 0 || v > 0xFFFF_FFFFL) {
      throw Bad.shape(field, "out of the 32-bit range: " + v);
    }
    return v;
  }

  private static double float64(JsonParser p, JsonToken t, String field) throws IOException, Bad {
    switch (t) {
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_STRING:
        String s = p.getText();
        switch (s) {
          case "NaN":
            return Double.NaN;
          case "Infinity":
            return Double.POSITIVE_INFINITY;
          case "-Infinity":
            return Double.NEGATIVE_INFINITY;
          default:
            try {
              return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
              throw Bad.shape(field, "not a number: \"" + abbreviate(s) + "\"");
            }
        }
      case VALUE_NULL:
        return 0;
      default:
        throw Bad.shape(field, "expected a number, found " + describe(t));
    }
  }

  private static ByteString bytes(JsonParser p, JsonToken t, String field) throws IOException, Bad {
    String s = string(p, t, field);
    try {
      return UnsafeByteOperations.unsafeWrap(Base64.getDecoder().decode(s));
    } catch (IllegalArgumentException e) {
      try {
        return UnsafeByteOperations.unsafeWrap(Base64.getUrlDecoder().decode(s));
      } catch (IllegalArgumentException e2) {
        throw Bad.shape(field, "not base64: \"" + abbreviate(s) + "\"");
      }
    }
  }

  private static ByteString id(JsonParser p, JsonToken t, String field, FailureReason reason)
      throws IOException, Bad {
    String s = string(p, t, field);
    ByteString id = TraceIds.parse(s);
    if (id == null) {
      throw new Bad(reason, field, "\"" + abbreviate(s) + "\" is neither hex nor base64");
    }
    return id;
  }

  private static int enumValue(JsonParser p, JsonToken t, String field, EnumDescriptor type)
      throws IOException, Bad {
    switch (t) {
      case VALUE_NUMBER_INT:
        return (int) int64(p, t, field);
      case VALUE_STRING:
        String name = p.getText();
        EnumValueDescriptor v = type.findValueByName(name);
        if (v != null) {
          return v.getNumber();
        }
        try {
          return Integer.parseInt(name);
        } catch (NumberFormatException e) {
          throw Bad.shape(
              field, "unknown " + type.getName() + " value \"" + abbreviate(name) + "\"");
        }
      case VALUE_NULL:
        return 0;
      default:
        throw Bad.shape(field, "expected an enum name or number, found " + describe(t));
    }
  }

  private static String describe(JsonToken t) {
    if (t == null) {
      return "end of input";
    }
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }

  static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }

  /**
   * Bad input, with the path of the field it is in; cheap to throw (no stack trace), and never
   * leaves this class.
   */
  private static final class Bad extends Exception {
    private static final long serialVersionUID = 1L;

    final FailureReason reason;
    private final String detail;
    private String path;

    Bad(FailureReason reason, String path, String detail) {
      super(detail, null, false, false);
      this.reason = reason;
      this.path = path;
      this.detail = detail;
    }

    static Bad shape(String path, String detail) {
      return new Bad(FailureReason.WRONG_SHAPE, path, detail);
    }

    /** Prefixes the path with the enclosing field. */
    Bad at(String outer) {
      path = path.isEmpty() ? outer : path.startsWith("[") ? outer + path : outer + "." + path;
      return this;
    }

    String describe() {
      return path.isEmpty() ? detail : path + ": " + detail;
    }
  }
}
