package io.meshlens.store.logs;

import io.meshlens.ingest.logs.AccessLogRecord;
import java.util.Objects;

/**
 * One access log entry as the log store keeps it: the parsed fields that searches and counts use,
 * the stream labels (tenant, cluster, namespace, pod, workload) and the line itself.
 *
 * <p>Text fields are never {@code null}; {@code ""} means absent.
 *
 * @param tenant owner of the entry, decided by the caller (attribution)
 * @param cluster cluster of the proxy that wrote the line
 * @param namespace namespace of that proxy
 * @param pod pod of that proxy
 * @param workload workload of that pod, {@code ""} when unknown
 * @param startTimeMs request start, Unix epoch milliseconds
 * @param method HTTP method, {@code ""} for TCP
 * @param path request path
 * @param authority {@code :authority} header
 * @param responseCode HTTP status, 0 when none
 * @param responseFlags Envoy response flags, {@code "-"} for none
 * @param responseCodeDetails Envoy's response code details (e.g. {@code via_upstream}, {@code
 *     rbac_access_denied_matched_policy[none]}), {@code ""} when the line has none
 * @param durationMs total duration in milliseconds
 * @param bytesSent response body bytes
 * @param bytesReceived request body bytes
 * @param upstreamCluster upstream cluster name as Envoy wrote it
 * @param requestId {@code X-Request-Id}
 * @param traceId trace id, {@code ""} when the line has none
 * @param direction {@code inbound}, {@code outbound} or {@code unknown}
 * @param raw the line as the proxy wrote it
 */
public record StoredLog(
    String tenant,
    String cluster,
    String namespace,
    String pod,
    String workload,
    long startTimeMs,
    String method,
    String path,
    String authority,
    int responseCode,
    String responseFlags,
    String responseCodeDetails,
    long durationMs,
    long bytesSent,
    long bytesReceived,
    String upstreamCluster,
    String requestId,
    String traceId,
    String direction,
    String raw) {

  public StoredLog {
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(responseFlags, "responseFlags");
    Objects.requireNonNull(responseCodeDetails, "responseCodeDetails");
    Objects.requireNonNull(upstreamCluster, "upstreamCluster");
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(traceId, "traceId");
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(raw, "raw");
  }

  /** The stored form of a decoded entry, owned by {@code tenant}; {@code workload} may be "". */
  public static StoredLog of(AccessLogRecord r, String tenant, String workload) {
    return new StoredLog(
        tenant,
        r.cluster(),
        r.namespace(),
        r.pod(),
        workload,
        r.startTimeMillis(),
        r.method(),
        r.path(),
        r.authority(),
        r.responseCode(),
        r.responseFlags(),
        r.responseCodeDetails() == null ? "" : r.responseCodeDetails(),
        r.durationMs(),
        r.bytesSent(),
        r.bytesReceived(),
        r.upstreamCluster().name(),
        r.requestId(),
        r.traceId(),
        r.direction().label(),
        r.raw());
  }

  /**
   * 64-bit FNV-1a of the line's UTF-16 code units: part of the de-duplication key, so that two
   * different lines with the same request id, pod, direction and start are both kept. Stable across
   * JVMs and DuckDB versions, unlike DuckDB's own {@code hash()}.
   */
  public long lineHash() {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < raw.length(); i++) {
      h ^= raw.charAt(i);
      h *= 0x100000001b3L;
    }
    return h;
  }
}
