package io.meshlens.ingest.logs;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.meshlens.ingest.decode.AttributeText;
import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.DecoderLimits;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.NodeId;
import io.meshlens.ingest.decode.OtlpJsonReader;
import io.meshlens.ingest.decode.PayloadEncoding;
import io.meshlens.ingest.decode.TraceIds;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decodes one message of the OTLP logs topic (an {@code ExportLogsServiceRequest}, {@code
 * otlp_proto} or {@code otlp_json}) into access log records and generic log lines.
 *
 * <p>A record whose body is an Istio/Envoy access log line (TEXT or JSON, as a string; or a map of
 * the Istio JSON keys) becomes an {@link AccessLogRecord}: this is what Envoy's OpenTelemetry
 * access logger sends (Istio's {@code envoyOtelAls} provider), with the proxy's identity in the
 * record attributes {@code pod}, {@code namespace}, {@code cluster} (and {@code mesh}) and a
 * resource holding only Envoy's own fields ({@code node_name} is the proxy's node id). Identity
 * precedence: those attributes, then {@code k8s.pod.name} / {@code k8s.namespace.name} / {@code
 * k8s.cluster.name} (record, then resource), then the node id, then the caller's cluster hint. The
 * trace id is the record's, else a {@code traceparent} in the line.
 *
 * <p>Every other record becomes a {@link LogLine} with Kubernetes identity from the same
 * attributes.
 *
 * <p>Never throws on bad input: {@code decode_error}, {@code wrong_shape}, {@code empty}, {@code
 * oversized} and {@code unknown_encoding} fail the message; a record with a trace id that is not 16
 * bytes or a span id that is not 8 bytes is left out and listed in {@link DecodeResult#rejected()}.
 * All-zero ids read as absent, as SDKs write them outside a span. Stateless and thread-safe.
 */
public final class OtlpLogDecoder {

  private final DecoderLimits limits;
  private final PayloadEncoding encoding;

  public OtlpLogDecoder() {
    this(DecoderLimits.DEFAULT, PayloadEncoding.AUTO);
  }

  public OtlpLogDecoder(DecoderLimits limits, PayloadEncoding encoding) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.encoding = Objects.requireNonNull(encoding, "encoding");
  }

  /** Decodes a message without cluster hint. */
  public DecodeResult<LogBatch> decode(byte[] message) {
    return decode(message, "");
  }

  /**
   * Decodes the value of one Kafka message.
   *
   * @param clusterHint the cluster the caller knows the message came from, used when a record's
   *     attributes do not name one; {@code null} or {@code ""} for none
   */
  public DecodeResult<LogBatch> decode(byte[] message, String clusterHint) {
    DecodeFailure bad = limits.check(message);
    if (bad != null) {
      return DecodeResult.failed(bad);
    }
    DecodeResult<ExportLogsServiceRequest> request = parse(message);
    return request.isOk() ? decode(request.value(), clusterHint) : request.asFailure();
  }

  /** Parses the message into the request without making records. */
  public DecodeResult<ExportLogsServiceRequest> parse(byte[] message) {
    if (message == null || message.length == 0) {
      return DecodeResult.failed(FailureReason.EMPTY, "empty message");
    }
    return encoding.parse(message, OtlpJsonReader::readLogs, OtlpLogDecoder::parseProto);
  }

  private static DecodeResult<ExportLogsServiceRequest> parseProto(byte[] message) {
    try {
      ExportLogsServiceRequest request = ExportLogsServiceRequest.parseFrom(message);
      if (request.getResourceLogsCount() == 0 && !request.getUnknownFields().asMap().isEmpty()) {
        return DecodeResult.failed(
            FailureReason.DECODE_ERROR,
            "not an OTLP ExportLogsServiceRequest: protobuf with only unknown fields");
      }
      return DecodeResult.ok(request);
    } catch (InvalidProtocolBufferException e) {
      return DecodeResult.failed(
          FailureReason.DECODE_ERROR,
          "not an OTLP protobuf ExportLogsServiceRequest: " + firstSentence(e.getMessage()));
    }
  }

  /** Makes records of a parsed request. */
  public DecodeResult<LogBatch> decode(ExportLogsServiceRequest request, String clusterHint) {
    String hint = clusterHint == null ? "" : clusterHint;
    List<AccessLogRecord> access = new ArrayList<>();
    List<LogLine> lines = new ArrayList<>();
    List<DecodeFailure> rejected = List.of();
    int index = 0;
    for (ResourceLogs rl : request.getResourceLogsList()) {
      Map<String, String> resource = AttributeText.toMap(rl.getResource().getAttributesList());
      NodeId node = NodeId.parse(resource.get("node_name"));
      for (ScopeLogs sl : rl.getScopeLogsList()) {
        String scopeName = sl.getScope().getName();
        for (LogRecord rec : sl.getLogRecordsList()) {
          DecodeFailure bad = validate(rec, index);
          if (bad != null) {
            if (rejected.isEmpty()) {
              rejected = new ArrayList<>();
            }
            rejected.add(bad);
          } else {
            Map<String, String> attrs = AttributeText.toMap(rec.getAttributesList());
            AccessLogRecord a = accessLog(rec, attrs, resource, node, hint);
            if (a != null) {
              access.add(a);
            } else {
              lines.add(logLine(rec, attrs, resource, node, scopeName, hint));
            }
          }
          index++;
        }
      }
    }
    if (index == 0) {
      return DecodeResult.failed(FailureReason.EMPTY, "no log records in the request");
    }
    if (access.isEmpty() && lines.isEmpty()) {
      DecodeFailure first = rejected.get(0);
      return DecodeResult.failed(
          DecodeFailure.of(
              first.reason(),
              index == 1
                  ? first.message()
                  : "all " + index + " log records rejected; first: " + first));
    }
    return DecodeResult.ok(new LogBatch(access, lines), rejected);
  }

  private static DecodeFailure validate(LogRecord rec, int index) {
    ByteString trace = rec.getTraceId();
    if (!trace.isEmpty() && trace.size() != 16) {
      return new DecodeFailure(
          FailureReason.INVALID_TRACE_ID,
          "log record trace id has " + trace.size() + " bytes, not 16",
          index);
    }
    ByteString span = rec.getSpanId();
    if (!span.isEmpty() && span.size() != 8) {
      return new DecodeFailure(
          FailureReason.INVALID_SPAN_ID,
          "log record span id has " + span.size() + " bytes, not 8",
          index);
    }
    return null;
  }

  /** The record as an access log, or null when its body is not one. */
  private AccessLogRecord accessLog(
      LogRecord rec,
      Map<String, String> attrs,
      Map<String, String> resource,
      NodeId node,
      String hint) {
    AnyValue body = rec.getBody();
    String line;
    if (body.hasStringValue()) {
      line = body.getStringValue();
      int i = AccessLogLineParser.skipBlanks(line, 0);
      if (i >= line.length() || (line.charAt(i) != '[' && line.charAt(i) != '{')) {
        return null;
      }
    } else if (body.hasKvlistValue()) {
      // A structured body with Istio's JSON keys reads like the JSON line it stands for.
      line = AttributeText.asString(body);
    } else {
      return null;
    }
    if (line.length() > limits.maxLineBytes()) {
      return null;
    }
    String namespace =
        first(attrs.get("namespace"), get(attrs, resource, "k8s.namespace.name"), node.namespace());
    String pod = first(attrs.get("pod"), get(attrs, resource, "k8s.pod.name"), node.pod());
    String cluster =
        first(
            attrs.get("cluster"),
            get(attrs, resource, "k8s.cluster.name"),
            get(attrs, resource, "istio.cluster_id"));
    Map<String, String> extra = Map.of();
    if (attrs.size() > 0) {
      extra = new LinkedHashMap<>(attrs);
      extra.remove("namespace");
      extra.remove("pod");
      extra.remove("cluster");
    }
    long nanos = rec.getTimeUnixNano() != 0 ? rec.getTimeUnixNano() : rec.getObservedTimeUnixNano();
    Source source =
        new Source(
            namespace,
            pod,
            cluster,
            hint,
            nanos > 0 ? nanos / 1_000_000L : Timestamps.INVALID,
            id(rec.getTraceId()),
            id(rec.getSpanId()),
            extra);
    DecodeResult<AccessLogRecord> r = AccessLogLineParser.parse(line, source);
    return r.isOk() ? r.value() : null;
  }

  private static LogLine logLine(
      LogRecord rec,
      Map<String, String> attrs,
      Map<String, String> resource,
      NodeId node,
      String scopeName,
      String hint) {
    long time = rec.getTimeUnixNano() != 0 ? rec.getTimeUnixNano() : rec.getObservedTimeUnixNano();
    String cluster = orEmpty(get(resource, attrs, "k8s.cluster.name"));
    return new LogLine(
        time,
        rec.getObservedTimeUnixNano(),
        rec.getSeverityNumberValue(),
        rec.getSeverityText(),
        AttributeText.asString(rec.getBody()),
        attrs,
        resource,
        id(rec.getTraceId()),
        id(rec.getSpanId()),
        orEmpty(resource.get("service.name")),
        scopeName,
        rec.getEventName(),
        first(get(resource, attrs, "k8s.namespace.name"), node.namespace(), ""),
        first(get(resource, attrs, "k8s.pod.name"), node.pod(), ""),
        cluster.isEmpty() ? hint : cluster);
  }

  /** Hex of an id; all-zero ids (written by SDKs outside a span) read as absent. */
  private static String id(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return TraceIds.hex(id);
      }
    }
    return "";
  }

  private static String get(Map<String, String> a, Map<String, String> b, String key) {
    String v = a.get(key);
    return v != null && !v.isEmpty() ? v : b.get(key);
  }

  private static String first(String a, String b, String c) {
    if (a != null && !a.isEmpty()) {
      return a;
    }
    if (b != null && !b.isEmpty()) {
      return b;
    }
    return c == null ? "" : c;
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  /** protobuf's messages run to several sentences of advice; the first says what happened. */
  private static String firstSentence(String s) {
    if (s == null) {
      return "";
    }
    int dot = s.indexOf(". ");
    return dot < 0 ? s : s.substring(0, dot + 1);
  }
}
