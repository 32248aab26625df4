package io.meshlens.ingest.logs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.TraceIds;
import io.meshlens.ingest.decode.UpstreamCluster;
import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses one access log line in any supported format into an {@link AccessLogRecord}; shared by the
 * access-log topic decoder and the OTLP log decoder. Never throws on bad input. Thread-safe.
 *
 * <p>Istio's TEXT format is split into fields (bare words, and {@code "..."} strings ending at a
 * quote followed by a blank or the end, since Envoy does not escape quotes) and recognised by the
 * number of fields and which are quoted, which tells apart the Istio 1.9+ format (21 fields, see
 * {@link #ISTIO_1_9}), the Istio 1.3-1.8 format (19), the Mixer-era format (18) and Envoy's default
 * (12).
 */
final class AccessLogLineParser {

  /**
   * Istio 1.9+'s default format, {@code EnvoyTextLogFormat} in istio/istio {@code
   * pilot/pkg/model/telemetry_logging.go}.
   */
  static final String ISTIO_1_9 =
      "[%START_TIME%] \"%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%\""
          + " %RESPONSE_CODE% %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%"
          + " %CONNECTION_TERMINATION_DETAILS% \"%UPSTREAM_TRANSPORT_FAILURE_REASON%\""
          + " %BYTES_RECEIVED% %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%"
          + " \"%REQ(X-FORWARDED-FOR)%\" \"%REQ(USER-AGENT)%\" \"%REQ(X-REQUEST-ID)%\""
          + " \"%REQ(:AUTHORITY)%\" \"%UPSTREAM_HOST%\" %UPSTREAM_CLUSTER%"
          + " %UPSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS%"
          + " %REQUESTED_SERVER_NAME% %ROUTE_NAME%";

  private static final int MAX_FIELDS = 40;

  /** Quoted-field masks (bit i = field i quoted) of the TEXT variants, field 0 = request line. */
  private static final long MASK_ISTIO_1_9 = bits(0, 5, 10, 11, 12, 13, 14);

  private static final long MASK_ISTIO_1_3 = bits(0, 3, 8, 9, 10, 11, 12);
  private static final long MASK_ENVOY = bits(0, 7, 8, 9, 10, 11);

  private static final JsonFactory FACTORY =
      JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
          .build();

  /** Only for the rare nested JSON value in an unknown key, kept as its JSON text. */
  private static final ObjectMapper TREES = new ObjectMapper(FACTORY);

  private AccessLogLineParser() {}

  private static long bits(int... positions) {
    long m = 0;
    for (int p : positions) {
      m |= 1L << p;
    }
    return m;
  }

  /** Parses a line (no line breaks inside, not blank). */
  static DecodeResult<AccessLogRecord> parse(String line, Source source) {
    return parse(line, source, 0);
  }

  private static DecodeResult<AccessLogRecord> parse(String line, Source source, int depth) {
    int from = skipBlanks(line, 0);
    int to = trimEnd(line);
    if (from >= to) {
      return DecodeResult.failed(FailureReason.EMPTY, "blank line");
    }
    char c = line.charAt(from);
    if (c == '{') {
      return json(line, from, to, source, depth);
    }
    if (c == '[') {
      return text(line, from, to, source);
    }
    int tsEnd = Timestamps.tokenEnd(line, from);
    if (tsEnd > 0 && tsEnd < to) {
      if (line.charAt(tsEnd) == '\t') {
        return Ztunnel.parse(line, from, tsEnd, to, source);
      }
      // kubectl logs --timestamps, or a CRI log file line ("<time> stdout F <line>").
      int rest = skipBlanks(line, tsEnd);
      if (line.startsWith("stdout F ", rest) || line.startsWith("stderr F ", rest)) {
        rest += 9;
      }
      if (rest < to && line.charAt(rest) == '[') {
        return text(line, rest, to, source);
      }
      if (rest < to && line.charAt(rest) == '{') {
        return json(line, rest, to, source, depth);
      }
    }
    return DecodeResult.failed(
        FailureReason.UNSUPPORTED_FORMAT,
        "not an access log line in a supported format (Istio TEXT starting with '[', JSON"
            + " object, ztunnel access line): "
            + abbreviate(line.substring(from, to)));
  }

  // ------------------------------------------------------------------ TEXT

  private static DecodeResult<AccessLogRecord> text(String line, int from, int to, Source source) {
    int close = line.indexOf(']', from);
    if (close < 0 || close >= to) {
      return unsupported("TEXT line without the closing ']' of the start time", line, from, to);
    }
    long start = Timestamps.parseMillis(line, from + 1, close);
    if (start == Timestamps.INVALID) {
      return DecodeResult.failed(
          FailureReason.INVALID_TIMESTAMP,
          "start time \"" + abbreviate(line.substring(from + 1, close)) + "\" is not RFC 3339");
    }
    int[] starts = new int[MAX_FIELDS];
    int[] ends = new int[MAX_FIELDS];
    long quoted = 0;
    int n = 0;
    int pos = close + 1;
    while (true) {
      while (pos < to && line.charAt(pos) == ' ') {
        pos++;
      }
      if (pos >= to) {
        break;
      }
      if (n == MAX_FIELDS) {
        return unsupported("more than " + MAX_FIELDS + " fields", line, from, to);
      }
      if (line.charAt(pos) == '"') {
        int q = pos + 1;
        while (true) {
          q = line.indexOf('"', q);
          if (q < 0 || q >= to) {
            return unsupported("unterminated quoted field", line, from, to);
          }
          if (q + 1 == to || line.charAt(q + 1) == ' ') {
            break;
          }
          q++;
        }
        starts[n] = pos + 1;
        ends[n] = q;
        quoted |= 1L << n;
        pos = q + 1;
      } else {
        int end = line.indexOf(' ', pos);
        if (end < 0 || end > to) {
          end = to;
        }
        starts[n] = pos;
        ends[n] = end;
        pos = end;
      }
      n++;
    }
    Fields f = new Fields(line, starts, ends);
    Builder b = new Builder();
    b.start = start;
    // Fields 1.. after the request line; i is the index of the response code.
    if (n >= 21 && (quoted & ((1L << 21) - 1)) == MASK_ISTIO_1_9 && (quoted >>> 21) == 0) {
      b.format = AccessLogFormat.ISTIO_TEXT;
      if (!b.requestAndCode(f, 1)) {
        return notNumbers(line, from, to);
      }
      b.flags = f.flags(2);
      b.details = f.text(3);
      b.terminationDetails = f.text(4);
      b.transportFailure = f.text(5);
      if (!b.countsAndHeaders(f, 6)) {
        return notNumbers(line, from, to);
      }
      b.upstreamAndDownstream(f, 15, true);
    } else if ((n == 19 || n == 18) && quoted == MASK_ISTIO_1_3) {
      b.format = AccessLogFormat.ISTIO_TEXT;
      if (!b.requestAndCode(f, 1)) {
        return notNumbers(line, from, to);
      }
      b.flags = f.flags(2);
      if (n == 19) {
        b.transportFailure = f.text(3);
      } else {
        // Istio before 1.3: the quoted field is Mixer's policy check status.
        b.extra("istio_policy_status", f.text(3));
      }
      if (!b.countsAndHeaders(f, 4)) {
        return notNumbers(line, from, to);
      }
      b.upstreamAndDownstream(f, 13, n == 19);
    } else if (n == 12 && quoted == MASK_ENVOY) {
      b.format = AccessLogFormat.ENVOY_TEXT;
      if (!b.requestAndCode(f, 1)) {
        return notNumbers(line, from, to);
      }
      b.flags = f.flags(2);
      if (!b.countsAndHeaders(f, 3)) {
        return notNumbers(line, from, to);
      }
    } else {
      return unsupported(
          n + " fields, which is not Istio's default TEXT format (21 fields since Istio 1.9)",
          line,
          from,
          to);
    }
    return DecodeResult.ok(b.build(source, line.substring(from, to)));
  }

  private static DecodeResult<AccessLogRecord> notNumbers(String line, int from, int to) {
    return unsupported(
        "response code, byte counts and duration are not all numbers", line, from, to);
  }

  private static DecodeResult<AccessLogRecord> unsupported(
      String why, String line, int from, int to) {
    return DecodeResult.failed(
        FailureReason.UNSUPPORTED_FORMAT,
        why + ": " + abbreviate(line.substring(from, Math.min(to, line.length()))));
  }

  /** Field access over the tokenised line; {@code "-"} reads as absent. */
  static final class Fields {
    private final String line;
    private final int[] starts;
    private final int[] ends;

    Fields(String line, int[] starts, int[] ends) {
      this.line = line;
      this.starts = starts;
      this.ends = ends;
    }

    String text(int i) {
      int s = starts[i];
      int e = ends[i];
      if (e == s || (e == s + 1 && line.charAt(s) == '-')) {
        return "";
      }
      return line.substring(s, e);
    }

    /** Response flags keep {@code "-"}, as Istio's metrics do. */
    String flags(int i) {
      String t = text(i);
      return t.isEmpty() ? "-" : t;
    }

    /** A non-negative number, -1 for {@code "-"}, -2 for anything else. */
    long number(int i) {
      return parseNumber(line, starts[i], ends[i]);
    }

    int start(int i) {
      return starts[i];
    }

    int end(int i) {
      return ends[i];
    }

    String line() {
      return line;
    }
  }

  /** A non-negative decimal in {@code s[from, to)}; -1 for "-" or nothing, -2 when not a number. */
  static long parseNumber(CharSequence s, int from, int to) {
    if (to == from || (to == from + 1 && s.charAt(from) == '-')) {
      return -1;
    }
    if (to - from > 18) {
      return -2;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -2;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  // ------------------------------------------------------------------ JSON

  private static DecodeResult<AccessLogRecord> json(
      String line, int from, int to, Source source, int depth) {
    String doc = from == 0 && to == line.length() ? line : line.substring(from, to);
    try (JsonParser p = FACTORY.createParser(doc)) {
      p.nextToken();
      Builder b = new Builder();
      b.format = AccessLogFormat.ISTIO_JSON;
      int known = 0;
      String log = null;
      Forwarder fwd = null;
      String f;
      while ((f = p.nextFieldName()) != null) {
        JsonToken t = p.nextToken();
        if (b.setJson(f, p, t)) {
          known++;
          continue;
        }
        switch (f) {
          case "log", "message" -> {
            if (t == JsonToken.VALUE_STRING && depth == 0) {
              log = p.getText();
            } else {
              b.extra(f, valueText(p, t));
            }
          }
          case "kubernetes" -> {
            if (t == JsonToken.START_OBJECT) {
              fwd = fwd == null ? new Forwarder() : fwd;
              fwd.kubernetes(p);
            } else {
              b.extra(f, valueText(p, t));
            }
          }
          case "cluster", "cluster_name" -> {
            fwd = fwd == null ? new Forwarder() : fwd;
            fwd.cluster = valueText(p, t);
          }
          case "time", "timestamp", "@timestamp" -> {
            fwd = fwd == null ? new Forwarder() : fwd;
            fwd.time = time(p, t);
            b.extra(f, valueText(p, t));
          }
          default -> b.extra(f, valueText(p, t));
        }
      }
      if (p.nextToken() != null) {
        return DecodeResult.failed(
            FailureReason.DECODE_ERROR, "more content after the JSON object: " + abbreviate(doc));
      }
      Source s = fwd == null ? source : fwd.applyTo(source);
      if (log != null && known == 0) {
        // A forwarder record: the proxy's line is in "log".
        DecodeResult<AccessLogRecord> inner = parse(log, s, depth + 1);
        if (!inner.isOk() && inner.reason() == FailureReason.EMPTY) {
          return DecodeResult.failed(FailureReason.EMPTY, "forwarder record with an empty log");
        }
        return inner;
      }
      if (known == 0) {
        return DecodeResult.failed(
            FailureReason.WRONG_SHAPE,
            "JSON object with neither Istio access log fields (start_time, method,"
                + " response_code, ...) nor a forwarder's \"log\" field: "
                + abbreviate(doc));
      }
      if (b.badStartTime != null) {
        return DecodeResult.failed(
            FailureReason.INVALID_TIMESTAMP,
            "start_time \"" + abbreviate(b.badStartTime) + "\" is not RFC 3339");
      }
      if (b.start == Timestamps.INVALID) {
        if (s.fallbackMillis() == Timestamps.INVALID) {
          return DecodeResult.failed(
              FailureReason.INVALID_TIMESTAMP, "access log without start_time: " + abbreviate(doc));
        }
        b.start = s.fallbackMillis();
      }
      return DecodeResult.ok(b.build(s, doc));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      return DecodeResult.failed(
          FailureReason.DECODE_ERROR,
          "not valid JSON: "
              + firstLine(e.getOriginalMessage())
              + (at == null ? "" : " at column " + at.getColumnNr()));
    } catch (IOException e) {
      return DecodeResult.failed(FailureReason.DECODE_ERROR, "cannot read JSON: " + e.getMessage());
    }
  }

  /** A scalar as text ({@code "-"} and {@code null} as ""), a nested value as its JSON. */
  static String valueText(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case VALUE_STRING:
        String s = p.getText();
        return s.equals("-") ? "" : s;
      case VALUE_NULL:
        return "";
      case START_OBJECT:
      case START_ARRAY:
        return TREES.readTree(p).toString();
      default:
        return p.getText();
    }
  }

  /** A number from a JSON number or string: -1 when absent ({@code null}, "-"), -2 when bad. */
  static long jsonNumber(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            ? -2
            : Math.max(-2, p.getLongValue());
      case VALUE_NUMBER_FLOAT:
        double d = p.getDoubleValue();
        return d >= 0 && d < 9e18 ? (long) d : -2;
      case VALUE_STRING:
        String s = p.getText().trim();
        return parseNumber(s, 0, s.length());
      case VALUE_NULL:
        return -1;
      default:
        p.skipChildren();
        return -2;
    }
  }

  private static long time(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_STRING) {
      String s = p.getText();
      return Timestamps.parseMillis(s, 0, s.length());
    }
    if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
      // Fluent Bit's and Fluentd's float epoch seconds.
      double seconds = p.getDoubleValue();
      return seconds > 0 && seconds < 1e11 ? (long) (seconds * 1000) : Timestamps.INVALID;
    }
    return Timestamps.INVALID;
  }

  /** Kubernetes metadata of a log forwarder record (Fluent Bit, also Vector's names). */
  private static final class Forwarder {
    String namespace = "";
    String pod = "";
    String cluster = "";
    long time = Timestamps.INVALID;
    final Map<String, String> meta = new LinkedHashMap<>();

    void kubernetes(JsonParser p) throws IOException {
      String f;
      while ((f = p.nextFieldName()) != null) {
        JsonToken t = p.nextToken();
        switch (f) {
          case "namespace_name", "pod_namespace" -> namespace = valueText(p, t);
          case "pod_name" -> pod = valueText(p, t);
          case "cluster_name" -> cluster = valueText(p, t);
          case "container_name" -> meta.put("k8s.container.name", valueText(p, t));
          case "host", "pod_node_name" -> meta.put("k8s.node.name", valueText(p, t));
          case "pod_id", "pod_uid" -> meta.put("k8s.pod.uid", valueText(p, t));
          case "labels", "pod_labels" -> {
            if (t == JsonToken.START_OBJECT) {
              String l;
              while ((l = p.nextFieldName()) != null) {
                JsonToken v = p.nextToken();
                meta.put("k8s.pod.label." + l, valueText(p, v));
              }
            } else {
              p.skipChildren();
            }
          }
          default -> p.skipChildren();
        }
      }
    }

    Source applyTo(Source s) {
      return s.withForwarder(namespace, pod, cluster, time, meta);
    }
  }

  // ------------------------------------------------------------------ record assembly

  /** Mutable fields of one record being read. */
  static final class Builder {
    AccessLogFormat format = AccessLogFormat.ISTIO_TEXT;
    long start = Timestamps.INVALID;
    String badStartTime;
    String method = "";
    String path = "";
    String protocol = "";
    int code;
    String flags = "-";
    String details = "";
    String terminationDetails = "";
    String transportFailure = "";
    long received;
    long sent;
    long duration;
    Long upstreamTime;
    String forwardedFor = "";
    String userAgent = "";
    String requestId = "";
    String authority = "";
    String upstreamHost = "";
    String upstreamClusterName = "";
    UpstreamCluster upstream;
    String upstreamLocal = "";
    String downstreamLocal = "";
    String downstreamRemote = "";
    String serverName = "";
    String route = "";
    String traceId = "";
    String spanId = "";
    Map<String, String> extra;

    void extra(String key, String value) {
      if (extra == null) {
        extra = new LinkedHashMap<>();
      }
      extra.put(key, value);
    }

    /** TEXT: request line (field 0) and response code (field {@code i}). */
    boolean requestAndCode(Fields f, int i) {
      String line = f.line();
      int s = f.start(0);
      int e = f.end(0);
      int sp1 = line.indexOf(' ', s);
      if (sp1 < 0 || sp1 >= e) {
        method = f.text(0);
      } else {
        int sp2 = line.lastIndexOf(' ', e - 1);
        method = dash(line.substring(s, sp1));
        if (sp2 > sp1) {
          path = dash(line.substring(sp1 + 1, sp2));
          protocol = dash(line.substring(sp2 + 1, e));
        } else {
          path = dash(line.substring(sp1 + 1, e));
        }
      }
      long c = f.number(i);
      if (c < -1 || c > 999) {
        return false;
      }
      code = (int) Math.max(0, c);
      return true;
    }

    /** TEXT: bytes received, sent, duration, upstream time, then the five quoted headers. */
    boolean countsAndHeaders(Fields f, int i) {
      long rx = f.number(i);
      long tx = f.number(i + 1);
      long dur = f.number(i + 2);
      long ust = f.number(i + 3);
      if (rx < -1 || tx < -1 || dur < -1) {
        return false;
      }
      received = Math.max(0, rx);
      sent = Math.max(0, tx);
      duration = Math.max(0, dur);
      upstreamTime = ust >= 0 ? Long.valueOf(ust) : null;
      forwardedFor = f.text(i + 4);
      userAgent = f.text(i + 5);
      requestId = f.text(i + 6);
      authority = f.text(i + 7);
      upstreamHost = f.text(i + 8);
      return true;
    }

    /** TEXT: upstream cluster and the addresses after it, from field {@code i}. */
    void upstreamAndDownstream(Fields f, int i, boolean withRoute) {
      upstreamClusterName = f.text(i);
      upstreamLocal = f.text(i + 1);
      downstreamLocal = f.text(i + 2);
      downstreamRemote = f.text(i + 3);
      serverName = f.text(i + 4);
      if (withRoute) {
        route = f.text(i + 5);
      }
    }

    /** JSON: sets a known access log key; false for other keys. */
    boolean setJson(String key, JsonParser p, JsonToken t) throws IOException {
      switch (key) {
        case "start_time" -> {
          String s = valueText(p, t);
          if (!s.isEmpty()) {
            long ms = Timestamps.parseMillis(s, 0, s.length());
            if (ms == Timestamps.INVALID) {
              badStartTime = s;
            } else {
              start = ms;
            }
          }
        }
        case "method" -> method = valueText(p, t);
        case "path" -> path = valueText(p, t);
        case "protocol" -> protocol = valueText(p, t);
        case "response_code" -> {
          long c = jsonNumber(p, t);
          code = c >= 0 && c <= 999 ? (int) c : 0;
        }
        case "response_flags" -> {
          String s = valueText(p, t);
          flags = s.isEmpty() ? "-" : s;
        }
        case "response_code_details" -> details = valueText(p, t);
        case "connection_termination_details" -> terminationDetails = valueText(p, t);
        case "upstream_transport_failure_reason" -> transportFailure = valueText(p, t);
        case "bytes_received" -> received = Math.max(0, jsonNumber(p, t));
        case "bytes_sent" -> sent = Math.max(0, jsonNumber(p, t));
        case "duration" -> duration = Math.max(0, jsonNumber(p, t));
        case "upstream_service_time" -> {
          long v = jsonNumber(p, t);
          upstreamTime = v >= 0 ? Long.valueOf(v) : null;
        }
        case "x_forwarded_for" -> forwardedFor = valueText(p, t);
        case "user_agent" -> userAgent = valueText(p, t);
        case "request_id" -> requestId = valueText(p, t);
        case "authority" -> authority = valueText(p, t);
        case "upstream_host" -> upstreamHost = valueText(p, t);
        case "upstream_cluster" -> upstreamClusterName = valueText(p, t);
        case "upstream_local_address" -> upstreamLocal = valueText(p, t);
        case "downstream_local_address" -> downstreamLocal = valueText(p, t);
        case "downstream_remote_address" -> downstreamRemote = valueText(p, t);
        case "requested_server_name" -> serverName = valueText(p, t);
        case "route_name" -> route = valueText(p, t);
        case "traceparent" -> traceparent(valueText(p, t));
        case "trace_id" -> traceId = traceIdText(valueText(p, t));
        case "span_id" -> {
          String s = valueText(p, t);
          spanId = TraceIds.isHex(s, 16) ? s.toLowerCase(Locale.ROOT) : "";
        }
        default -> {
          return false;
        }
      }
      return true;
    }

    /** W3C {@code traceparent}: {@code 00-<32 hex trace id>-<16 hex span id>-<flags>}. */
    void traceparent(String s) {
      if (s.length() >= 55 && s.charAt(2) == '-' && s.charAt(35) == '-' && s.charAt(52) == '-') {
        String t = s.substring(3, 35);
        String sp = s.substring(36, 52);
        if (TraceIds.isHex(t, 32) && TraceIds.isHex(sp, 16)) {
          traceId = t.toLowerCase(Locale.ROOT);
          spanId = sp.toLowerCase(Locale.ROOT);
        }
      }
    }

    /** A trace id header value: 32 hex digits, or a 64-bit B3 id (16 digits) zero-padded. */
    static String traceIdText(String s) {
      if (TraceIds.isHex(s, 32)) {
        return s.toLowerCase(Locale.ROOT);
      }
      if (TraceIds.isHex(s, 16)) {
        return "0000000000000000" + s.toLowerCase(Locale.ROOT);
      }
      return "";
    }

    AccessLogRecord build(Source source, String raw) {
      Map<String, String> all;
      Map<String, String> meta = source.extra();
      if (extra == null && meta.isEmpty()) {
        all = Map.of();
      } else {
        Map<String, String> m = extra == null ? new LinkedHashMap<>() : extra;
        for (Map.Entry<String, String> e : meta.entrySet()) {
          m.putIfAbsent(e.getKey(), e.getValue());
        }
        all = Collections.unmodifiableMap(m);
      }
      if (!source.traceId().isEmpty()) {
        // The OTLP record's ids are Envoy's active span: they win over a header in the line.
        traceId = source.traceId();
        spanId = source.spanId();
      }
      UpstreamCluster u = upstream != null ? upstream : UpstreamCluster.parse(upstreamClusterName);
      return new AccessLogRecord(
          format,
          start,
          method,
          path,
          protocol,
          code,
          flags,
          details,
          terminationDetails,
          transportFailure,
          received,
          sent,
          duration,
          upstreamTime,
          forwardedFor,
          userAgent,
          requestId,
          authority,
          upstreamHost,
          u,
          upstreamLocal,
          downstreamLocal,
          downstreamRemote,
          serverName,
          route,
          traceId,
          spanId,
          source.namespace(),
          source.pod(),
          source.effectiveCluster(),
          all,
          raw);
    }
  }

  private static String dash(String s) {
    return s.equals("-") ? "" : s;
  }

  static int skipBlanks(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t' || s.charAt(i) == '\r')) {
      i++;
    }
    return i;
  }

  static int trimEnd(String s) {
    int e = s.length();
    while (e > 0 && Character.isWhitespace(s.charAt(e - 1))) {
      e--;
    }
    return e;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  static String abbreviate(String s) {
    return s.length() <= 120 ? s : s.substring(0, 117) + "...";
  }

  /** Shared by the ztunnel parser: the failure for a line in no known shape. */
  static DecodeResult<AccessLogRecord> unsupportedLine(String why, String line, int from, int to) {
    return unsupported(why, line, from, to);
  }

  /** A failure at one item of a message, for the decoders. */
  static DecodeFailure at(DecodeFailure f, int item) {
    return new DecodeFailure(f.reason(), f.message(), item);
  }
}
