package io.meshlens.ingest.spans;

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
import io.meshlens.ingest.decode.UpstreamCluster;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decodes one message of the spans topic (an OTLP {@code ExportTraceServiceRequest}, {@code
 * otlp_proto} or {@code otlp_json}) into {@link SpanRecord}s with the Istio mesh identity of each
 * span's proxy.
 *
 * <p>Also reads a Tempo trace-by-id response ({@code {"batches": [...]}}, base64 ids, enum names),
 * which is not what the Collector writes to Kafka but is how traces are exported from Tempo and how
 * public samples of Istio spans are published; it serves imports and tests.
 *
 * <p>Identity precedence, span attributes before resource attributes for each key: namespace from
 * {@code istio.namespace}, else {@code k8s.namespace.name}, else Envoy's {@code node_id}; cluster
 * from {@code istio.cluster_id}, else {@code k8s.cluster.name}; pod from {@code k8s.pod.name}, else
 * {@code node_id}.
 *
 * <p>Never throws on bad input. The whole message fails with {@code decode_error} (not protobuf /
 * not JSON), {@code wrong_shape} (JSON of another structure), {@code empty} (no spans), {@code
 * oversized} or {@code unknown_encoding} (a compressed payload); a span with an invalid trace or
 * span id is left out and listed in {@link DecodeResult#rejected()} ({@code invalid_trace_id} /
 * {@code invalid_span_id}), and the message fails only when every span is invalid. An all-zero
 * parent span id is read as "no parent", as some producers write it. Stateless and thread-safe.
 */
public final class SpanDecoder {

  private final DecoderLimits limits;
  private final PayloadEncoding encoding;

  /** Default limits, encoding detected per message. */
  public SpanDecoder() {
    this(DecoderLimits.DEFAULT, PayloadEncoding.AUTO);
  }

  public SpanDecoder(DecoderLimits limits, PayloadEncoding encoding) {
    this.limits = Objects.requireNonNull(limits, "limits");
    this.encoding = Objects.requireNonNull(encoding, "encoding");
  }

  /** Reads protobuf's common form without protobuf's parser; one per thread. */
  private static final ThreadLocal<SpanProtoReader> READER =
      ThreadLocal.withInitial(SpanProtoReader::new);

  /** Decodes the value of one Kafka message. */
  public DecodeResult<List<SpanRecord>> decode(byte[] message) {
    DecodeFailure bad = limits.check(message);
    if (bad != null) {
      return DecodeResult.failed(bad);
    }
    if (message != null
        && (encoding == PayloadEncoding.OTLP_PROTO
            || (encoding == PayloadEncoding.AUTO && !PayloadEncoding.looksLikeJson(message)))) {
      // What the reader accepts, protobuf's parser reads the same way (SpanProtoReader); the
      // rest, good or bad, takes the parser.
      List<SpanRecord> direct;
      try {
        direct = READER.get().read(message);
      } catch (RuntimeException e) {
        // A reader bug must not cost the message: the parser decides.
        direct = null;
      }
      if (direct != null) {
        return DecodeResult.ok(direct);
      }
    }
    return decodeParsed(message);
  }

  /** {@link #decode(byte[])} through protobuf's parser (or the JSON reader) only. */
  DecodeResult<List<SpanRecord>> decodeParsed(byte[] message) {
    DecodeFailure bad = limits.check(message);
    if (bad != null) {
      return DecodeResult.failed(bad);
    }
    DecodeResult<ExportTraceServiceRequest> request = parse(message);
    return request.isOk() ? decode(request.value()) : request.asFailure();
  }

  /** Parses the message into the request without making records. */
  public DecodeResult<ExportTraceServiceRequest> parse(byte[] message) {
    if (message == null || message.length == 0) {
      return DecodeResult.failed(FailureReason.EMPTY, "empty message");
    }
    return encoding.parse(message, OtlpJsonReader::readTraces, SpanDecoder::parseProto);
  }

  private static DecodeResult<ExportTraceServiceRequest> parseProto(byte[] message) {
    try {
      ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(message);
      if (request.getResourceSpansCount() == 0 && !request.getUnknownFields().asMap().isEmpty()) {
        return DecodeResult.failed(
            FailureReason.DECODE_ERROR,
            "not an OTLP ExportTraceServiceRequest: protobuf with only unknown fields");
      }
      return DecodeResult.ok(request);
    } catch (InvalidProtocolBufferException e) {
      return DecodeResult.failed(
          FailureReason.DECODE_ERROR,
          "not an OTLP protobuf ExportTraceServiceRequest: " + firstSentence(e.getMessage()));
    }
  }

  /** Makes records of the spans of a parsed request. */
  public DecodeResult<List<SpanRecord>> decode(ExportTraceServiceRequest request) {
    int total = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        total += ss.getSpansCount();
      }
    }
    if (total == 0) {
      return DecodeResult.failed(FailureReason.EMPTY, "no spans in the request");
    }
    List<SpanRecord> out = new ArrayList<>(total);
    List<DecodeFailure> rejected = List.of();
    int index = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      ResourceIdentity resource = null;
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          DecodeFailure bad = validate(span, index);
          if (bad != null) {
            if (rejected.isEmpty()) {
              rejected = new ArrayList<>();
            }
            rejected.add(bad);
          } else {
            if (resource == null) {
              resource = new ResourceIdentity(rs.getResource());
            }
            out.add(record(span, resource));
          }
          index++;
        }
      }
    }
    if (out.isEmpty()) {
      DecodeFailure first = rejected.get(0);
      return DecodeResult.failed(
          DecodeFailure.of(
              first.reason(),
              total == 1 ? first.message() : "all " + total + " spans rejected; first: " + first));
    }
    return DecodeResult.ok(out, rejected);
  }

  private static DecodeFailure validate(Span span, int index) {
    if (!TraceIds.validTraceId(span.getTraceId())) {
      return new DecodeFailure(
          FailureReason.INVALID_TRACE_ID,
          "span \"" + span.getName() + "\": trace id " + describe(span.getTraceId()),
          index);
    }
    if (!TraceIds.validSpanId(span.getSpanId())) {
      return new DecodeFailure(
          FailureReason.INVALID_SPAN_ID,
          "span \"" + span.getName() + "\": span id " + describe(span.getSpanId()),
          index);
    }
    ByteString parent = span.getParentSpanId();
    if (!parent.isEmpty() && parent.size() != 8) {
      return new DecodeFailure(
          FailureReason.INVALID_SPAN_ID,
          "span \"" + span.getName() + "\": parent span id " + describe(parent),
          index);
    }
    return null;
  }

  private static String describe(ByteString id) {
    if (id.isEmpty()) {
      return "is missing";
    }
    return "\""
        + TraceIds.hex(id)
        + "\" has "
        + id.size()
        + " bytes"
        + (isZero(id) ? ", all zero" : "");
  }

  private static boolean isZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static SpanRecord record(Span span, ResourceIdentity resource) {
    ByteString parent = span.getParentSpanId();
    return record(
        TraceIds.hex(span.getTraceId()),
        TraceIds.hex(span.getSpanId()),
        isZero(parent) ? "" : TraceIds.hex(parent),
        span.getName(),
        span.getKindValue(),
        span.getStartTimeUnixNano(),
        span.getEndTimeUnixNano(),
        span.getStatus().getCodeValue(),
        span.getStatus().getMessage(),
        span.getEventsCount(),
        span.getLinksCount(),
        AttributeText.toMap(span.getAttributesList()),
        resource);
  }

  /** A span's record from its fields, ids in hex ({@code ""} for no parent). */
  static SpanRecord record(
      String traceId,
      String spanId,
      String parentSpanId,
      String name,
      int kind,
      long start,
      long end,
      int statusCode,
      String statusMessage,
      int eventsCount,
      int linksCount,
      Map<String, String> attrs,
      ResourceIdentity resource) {
    Map<String, String> res = resource.attributes;
    NodeId node = NodeId.parse(get(attrs, res, "node_id"));
    String namespace =
        first(
            get(attrs, res, "istio.namespace"),
            get(attrs, res, "k8s.namespace.name"),
            node.namespace());
    String cluster =
        first(get(attrs, res, "istio.cluster_id"), get(attrs, res, "k8s.cluster.name"), "");
    String pod = first(get(attrs, res, "k8s.pod.name"), node.pod(), "");
    String upstream = first(attrs.get("upstream_cluster"), attrs.get("upstream_cluster.name"), "");
    return new SpanRecord(
        traceId,
        spanId,
        parentSpanId,
        name,
        SpanRecord.Kind.ofOtlp(kind),
        start,
        end,
        Long.compareUnsigned(end, start) > 0 ? end - start : 0,
        SpanRecord.StatusCode.ofOtlp(statusCode),
        statusMessage,
        resource.serviceName,
        res,
        attrs,
        eventsCount,
        linksCount,
        namespace,
        cluster,
        pod,
        orEmpty(get(attrs, res, "istio.canonical_service")),
        orEmpty(get(attrs, res, "istio.canonical_revision")),
        orEmpty(get(attrs, res, "istio.mesh_id")),
        UpstreamCluster.parse(upstream),
        first(attrs.get("http.method"), attrs.get("http.request.method"), ""),
        first(attrs.get("http.url"), attrs.get("url.full"), ""),
        statusCode(
            first(attrs.get("http.status_code"), attrs.get("http.response.status_code"), "")),
        orEmpty(attrs.get("response_flags")),
        orEmpty(attrs.get("guid:x-request-id")));
  }

  /** An HTTP status code, 0 when absent or not a number. */
  static int statusCode(String s) {
    int n = s.length();
    if (n == 0 || n > 4) {
      return 0;
    }
    int v = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static String get(Map<String, String> span, Map<String, String> resource, String key) {
    String v = span.get(key);
    return v != null && !v.isEmpty() ? v : resource.get(key);
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

  /** What a resource contributes to every span under it, computed once per resource. */
  static final class ResourceIdentity {
    /** A request's resource that is not given. */
    static final ResourceIdentity NONE = new ResourceIdentity(Map.of());

    final Map<String, String> attributes;
    final String serviceName;

    ResourceIdentity(Resource resource) {
      this(AttributeText.toMap(resource.getAttributesList()));
    }

    /** From the attributes as {@link AttributeText#toMap} makes them. */
    ResourceIdentity(Map<String, String> attributes) {
      this.attributes = attributes;
      this.serviceName = orEmpty(attributes.get("service.name"));
    }
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
