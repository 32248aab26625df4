package io.meshlens.ingest.logs;

import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.UpstreamCluster;
import java.util.Map;
import java.util.Objects;

/**
 * One Envoy/Istio access log entry with typed fields, whichever format and transport it came in
 * (see {@link AccessLogDecoder} and {@link OtlpLogDecoder}), plus the identity of the proxy that
 * wrote it and the line itself for log search.
 *
 * <p>Text fields are never {@code null}: {@code ""} means absent ({@code "-"} and {@code null} in
 * the line). The exception is {@link #responseFlags}, which keeps Envoy's {@code "-"} for "no
 * flags", the value Istio's metrics use in their {@code response_flags} label.
 *
 * @param format the format the line was in
 * @param startTimeMillis request start, Unix epoch milliseconds (Envoy logs millisecond precision;
 *     ztunnel: when the connection was logged)
 * @param method HTTP method
 * @param path path (Istio logs {@code X-Envoy-Original-Path} when a route rewrote it)
 * @param protocol {@code HTTP/1.1}, {@code HTTP/2}, ...
 * @param responseCode HTTP status, 0 when none (TCP, reset before a response)
 * @param responseFlags Envoy response flags such as {@code UH}, {@code UF,URX}; {@code "-"} for
 *     none
 * @param responseCodeDetails e.g. {@code via_upstream}, {@code no_healthy_upstream}
 * @param connectionTerminationDetails why Envoy closed the connection, when it did
 * @param upstreamTransportFailureReason e.g. a TLS handshake error
 * @param bytesReceived request body bytes
 * @param bytesSent response body bytes
 * @param durationMs total duration in milliseconds
 * @param upstreamServiceTimeMs time the upstream took, {@code null} when there was no upstream
 *     response
 * @param xForwardedFor the {@code X-Forwarded-For} header
 * @param userAgent the {@code User-Agent} header
 * @param requestId the {@code X-Request-Id} header, which spans carry as {@code guid:x-request-id}
 * @param authority the {@code :authority} (Host) header
 * @param upstreamHost address of the upstream endpoint
 * @param upstreamCluster the upstream cluster, parsed: direction and destination service,
 *     namespace, port and subset ({@link UpstreamCluster#NONE} when absent)
 * @param upstreamLocalAddress local address of the upstream connection
 * @param downstreamLocalAddress local address of the downstream connection
 * @param downstreamRemoteAddress address of the caller
 * @param requestedServerName SNI of the downstream TLS connection
 * @param routeName the route that matched
 * @param traceId 32 lower-case hex digits from the OTLP record or a {@code traceparent} field, else
 *     {@code ""}
 * @param spanId 16 lower-case hex digits, same sources, else {@code ""}
 * @param namespace namespace of the proxy that wrote the line (forwarder metadata, OTLP
 *     attributes), {@code ""} when the transport did not say
 * @param pod pod of the proxy that wrote the line, {@code ""} when unknown
 * @param cluster cluster of that proxy (OTLP attributes, forwarder record, else the caller's hint),
 *     {@code ""} when unknown
 * @param extra every other field, by name: unknown JSON keys ({@code istio_policy_status}, custom
 *     ones), forwarder metadata ({@code k8s.container.name}, {@code k8s.pod.label.<name>}), OTLP
 *     attributes ({@code mesh}), ztunnel's peer fields ({@code src.workload}, {@code
 *     dst.namespace}, ...); unmodifiable, in the order read
 * @param raw the access log line as the proxy wrote it (without forwarder envelope or {@code
 *     kubectl} timestamp), for full-text search
 */
public record AccessLogRecord(
    AccessLogFormat format,
    long startTimeMillis,
    String method,
    String path,
    String protocol,
    int responseCode,
    String responseFlags,
    String responseCodeDetails,
    String connectionTerminationDetails,
    String upstreamTransportFailureReason,
    long bytesReceived,
    long bytesSent,
    long durationMs,
    Long upstreamServiceTimeMs,
    String xForwardedFor,
    String userAgent,
    String requestId,
    String authority,
    String upstreamHost,
    UpstreamCluster upstreamCluster,
    String upstreamLocalAddress,
    String downstreamLocalAddress,
    String downstreamRemoteAddress,
    String requestedServerName,
    String routeName,
    String traceId,
    String spanId,
    String namespace,
    String pod,
    String cluster,
    Map<String, String> extra,
    String raw) {

  public AccessLogRecord {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(upstreamCluster, "upstreamCluster");
    Objects.requireNonNull(extra, "extra");
    Objects.requireNonNull(raw, "raw");
  }

  /** Inbound (destination side) or outbound (caller side), from the upstream cluster. */
  public Direction direction() {
    return upstreamCluster.direction();
  }

  /** Destination service parsed from the upstream cluster, e.g. {@code reviews}. */
  public String destinationService() {
    return upstreamCluster.service();
  }

  /** Destination namespace parsed from the upstream cluster, e.g. {@code default}. */
  public String destinationNamespace() {
    return upstreamCluster.namespace();
  }

  /** Destination port parsed from the upstream cluster, 0 when not in it. */
  public int destinationPort() {
    return upstreamCluster.port();
  }
}
