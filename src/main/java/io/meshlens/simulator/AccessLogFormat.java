package io.meshlens.simulator;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Map;

/**
 * Renders one Envoy access log entry in the three shapes Istio proxies produce: the default TEXT
 * format, the JSON format with typed values (Istio 1.9+), and the older all-strings JSON with
 * {@code "-"} for absent values; plus the Fluent Bit record a forwarder wraps a line in.
 *
 * <p>Not thread-safe: it keeps a one-second cache of the formatted date, because consecutive
 * entries are close in time and formatting dates dominates otherwise.
 */
final class AccessLogFormat {

  /** One access log entry; reused between requests, so every field must be set each time. */
  static final class Entry {
    long startNanos;
    String method;
    String path;
    String protocol;
    int responseCode;
    String responseFlags;
    String responseCodeDetails;
    String connectionTerminationDetails;
    long bytesReceived;
    long bytesSent;
    long durationMs;

    /** -1 when the proxy got no upstream response. */
    long upstreamServiceTimeMs;

    String xForwardedFor;
    String userAgent;
    String requestId;
    String authority;
    String upstreamHost;
    String upstreamCluster;
    String upstreamLocalAddress;
    String downstreamLocalAddress;
    String downstreamRemoteAddress;
    String requestedServerName;
    String routeName;
    String upstreamTransportFailureReason;
  }

  private long cachedSecond = Long.MIN_VALUE;
  private String cachedSecondText;

  /** Istio's default TEXT format (the body of Envoy OpenTelemetry access log records). */
  String text(Entry e) {
    StringBuilder sb = new StringBuilder(320);
    sb.append('[');
    appendStartTime(sb, e.startNanos);
    sb.append("] \"")
        .append(dash(e.method))
        .append(' ')
        .append(dash(e.path))
        .append(' ')
        .append(dash(e.protocol))
        .append("\" ")
        .append(e.responseCode)
        .append(' ')
        .append(dash(e.responseFlags))
        .append(' ')
        .append(dash(e.responseCodeDetails))
        .append(' ')
        .append(dash(e.connectionTerminationDetails))
        .append(" \"")
        .append(dash(e.upstreamTransportFailureReason))
        .append("\" ")
        .append(e.bytesReceived)
        .append(' ')
        .append(e.bytesSent)
        .append(' ')
        .append(e.durationMs)
        .append(' ')
        .append(e.upstreamServiceTimeMs < 0 ? "-" : Long.toString(e.upstreamServiceTimeMs))
        .append(" \"")
        .append(dash(e.xForwardedFor))
        .append("\" \"")
        .append(dash(e.userAgent))
        .append("\" \"")
        .append(dash(e.requestId))
        .append("\" \"")
        .append(dash(e.authority))
        .append("\" \"")
        .append(dash(e.upstreamHost))
        .append("\" ")
        .append(dash(e.upstreamCluster))
        .append(' ')
        .append(dash(e.upstreamLocalAddress))
        .append(' ')
        .append(dash(e.downstreamLocalAddress))
        .append(' ')
        .append(dash(e.downstreamRemoteAddress))
        .append(' ')
        .append(dash(e.requestedServerName))
        .append(' ')
        .append(dash(e.routeName));
    return sb.toString();
  }

  /**
   * Istio JSON access log with typed values: numbers for code, bytes and duration, {@code null} for
   * absent values, {@code upstream_service_time} as a string.
   */
  String typedJson(Entry e) {
    StringBuilder sb = new StringBuilder(700);
    sb.append("{\"start_time\":\"");
    appendStartTime(sb, e.startNanos);
    sb.append('"');
    str(sb, "route_name", e.routeName);
    str(sb, "method", e.method);
    str(sb, "path", e.path);
    str(sb, "protocol", e.protocol);
    sb.append(",\"response_code\":").append(e.responseCode);
    str(sb, "response_flags", e.responseFlags == null ? "-" : e.responseFlags);
    str(sb, "response_code_details", e.responseCodeDetails);
    str(sb, "connection_termination_details", e.connectionTerminationDetails);
    sb.append(",\"bytes_received\":").append(e.bytesReceived);
    sb.append(",\"bytes_sent\":").append(e.bytesSent);
    sb.append(",\"duration\":").append(e.durationMs);
    str(
        sb,
        "upstream_service_time",
        e.upstreamServiceTimeMs < 0 ? null : Long.toString(e.upstreamServiceTimeMs));
    str(sb, "x_forwarded_for", e.xForwardedFor);
    str(sb, "user_agent", e.userAgent);
    str(sb, "request_id", e.requestId);
    str(sb, "authority", e.authority);
    str(sb, "upstream_host", e.upstreamHost);
    str(sb, "upstream_cluster", e.upstreamCluster);
    str(sb, "upstream_local_address", e.upstreamLocalAddress);
    str(sb, "downstream_local_address", e.downstreamLocalAddress);
    str(sb, "downstream_remote_address", e.downstreamRemoteAddress);
    str(sb, "requested_server_name", e.requestedServerName);
    str(sb, "upstream_transport_failure_reason", e.upstreamTransportFailureReason);
    return sb.append('}').toString();
  }

  /**
   * The older Istio JSON access log: every value a string, {@code "-"} when absent, and the {@code
   * istio_policy_status} key of the Mixer days.
   */
  String legacyJson(Entry e) {
    StringBuilder sb = new StringBuilder(700);
    sb.append("{\"start_time\":\"");
    appendStartTime(sb, e.startNanos);
    sb.append('"');
    str(sb, "method", dash(e.method));
    str(sb, "path", dash(e.path));
    str(sb, "protocol", dash(e.protocol));
    str(sb, "response_code", Integer.toString(e.responseCode));
    str(sb, "response_flags", dash(e.responseFlags));
    str(sb, "bytes_received", Long.toString(e.bytesReceived));
    str(sb, "bytes_sent", Long.toString(e.bytesSent));
    str(sb, "duration", Long.toString(e.durationMs));
    str(
        sb,
        "upstream_service_time",
        e.upstreamServiceTimeMs < 0 ? "-" : Long.toString(e.upstreamServiceTimeMs));
    str(sb, "x_forwarded_for", dash(e.xForwardedFor));
    str(sb, "user_agent", dash(e.userAgent));
    str(sb, "request_id", dash(e.requestId));
    str(sb, "authority", dash(e.authority));
    str(sb, "upstream_host", dash(e.upstreamHost));
    str(sb, "upstream_cluster", dash(e.upstreamCluster));
    str(sb, "upstream_local_address", dash(e.upstreamLocalAddress));
    str(sb, "downstream_local_address", dash(e.downstreamLocalAddress));
    str(sb, "downstream_remote_address", dash(e.downstreamRemoteAddress));
    str(sb, "requested_server_name", dash(e.requestedServerName));
    str(sb, "route_name", dash(e.routeName));
    str(sb, "upstream_transport_failure_reason", dash(e.upstreamTransportFailureReason));
    str(sb, "istio_policy_status", "-");
    return sb.append('}').toString();
  }

  /**
   * A Fluent Bit record (tail input with the CRI parser, kubernetes filter) holding {@code line}.
   *
   * @param kubernetesJson the pod's {@code "kubernetes"} object, see {@link #kubernetesJson}
   */
  String fluentBit(String line, long timeNanos, String kubernetesJson) {
    StringBuilder sb = new StringBuilder(line.length() + kubernetesJson.length() + 160);
    sb.append("{\"time\":\"");
    appendNanoTime(sb, timeNanos);
    sb.append("\",\"stream\":\"stdout\",\"_p\":\"F\",\"log\":");
    quote(sb, line);
    sb.append(",\"kubernetes\":").append(kubernetesJson).append('}');
    return sb.toString();
  }

  /** The Fluent Bit kubernetes filter's metadata of the istio-proxy container of a pod. */
  static String kubernetesJson(
      String podName,
      String namespace,
      String podId,
      String host,
      Map<String, String> labels,
      String containerImage) {
    StringBuilder sb = new StringBuilder(400);
    sb.append('{');
    sb.append("\"pod_name\":");
    quote(sb, podName);
    sb.append(",\"namespace_name\":");
    quote(sb, namespace);
    sb.append(",\"pod_id\":");
    quote(sb, podId);
    sb.append(",\"labels\":{");
    boolean first = true;
    for (Map.Entry<String, String> l : labels.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      quote(sb, l.getKey());
      sb.append(':');
      quote(sb, l.getValue());
    }
    sb.append("},\"host\":");
    quote(sb, host);
    sb.append(",\"container_name\":\"istio-proxy\",\"container_image\":");
    quote(sb, containerImage);
    return sb.append('}').toString();
  }

  /** {@code 2021-08-29T10:19:39.660Z}: Envoy's %START_TIME%, milliseconds, UTC. */
  void appendStartTime(StringBuilder sb, long nanos) {
    appendSecond(sb, nanos);
    int millis = (int) (Math.floorMod(nanos, 1_000_000_000L) / 1_000_000L);
    sb.append('.');
    pad(sb, millis, 3);
    sb.append('Z');
  }

  /** RFC 3339 with nanoseconds, as Fluent Bit writes the CRI timestamp. */
  void appendNanoTime(StringBuilder sb, long nanos) {
    appendSecond(sb, nanos);
    sb.append('.');
    pad(sb, (int) Math.floorMod(nanos, 1_000_000_000L), 9);
    sb.append('Z');
  }

  private void appendSecond(StringBuilder sb, long nanos) {
    long second = Math.floorDiv(nanos, 1_000_000_000L);
    if (second != cachedSecond) {
      LocalDateTime t = LocalDateTime.ofEpochSecond(second, 0, ZoneOffset.UTC);
      StringBuilder s = new StringBuilder(19);
      pad(s, t.getYear(), 4);
      s.append('-');
      pad(s, t.getMonthValue(), 2);
      s.append('-');
      pad(s, t.getDayOfMonth(), 2);
      s.append('T');
      pad(s, t.getHour(), 2);
      s.append(':');
      pad(s, t.getMinute(), 2);
      s.append(':');
      pad(s, t.getSecond(), 2);
      cachedSecondText = s.toString();
      cachedSecond = second;
    }
    sb.append(cachedSecondText);
  }

  private static void pad(StringBuilder sb, int v, int width) {
    String s = Integer.toString(v);
    for (int i = s.length(); i < width; i++) {
      sb.append('0');
    }
    sb.append(s);
  }

  private static String dash(String s) {
    return s == null ? "-" : s;
  }

  private static void str(StringBuilder sb, String key, String value) {
    sb.append(",\"").append(key).append("\":");
    if (value == null) {
      sb.append("null");
    } else {
      quote(sb, value);
    }
  }

  /** Appends {@code s} as a JSON string literal. */
  static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
