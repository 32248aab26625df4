package io.meshlens.ingest.logs;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the transport says about the proxy that wrote a line: namespace, pod and cluster from
 * forwarder metadata or OTLP attributes, the caller's cluster hint, a fallback time, and metadata
 * to keep with the record.
 */
record Source(
    String namespace,
    String pod,
    String cluster,
    String clusterHint,
    long fallbackMillis,
    String traceId,
    String spanId,
    Map<String, String> extra) {

  static Source hint(String clusterHint) {
    return new Source(
        "", "", "", clusterHint == null ? "" : clusterHint, Timestamps.INVALID, "", "", Map.of());
  }

  /** This source with forwarder metadata; empty values keep what this source had. */
  Source withForwarder(
      String namespace, String pod, String cluster, long time, Map<String, String> meta) {
    Map<String, String> merged = extra;
    if (!meta.isEmpty()) {
      merged = new LinkedHashMap<>(extra);
      merged.putAll(meta);
    }
    return new Source(
        namespace.isEmpty() ? this.namespace : namespace,
        pod.isEmpty() ? this.pod : pod,
        cluster.isEmpty() ? this.cluster : cluster,
        clusterHint,
        time == Timestamps.INVALID ? fallbackMillis : time,
        traceId,
        spanId,
        merged);
  }

  /** The cluster to record: the source's own, else the caller's hint. */
  String effectiveCluster() {
    return cluster.isEmpty() ? clusterHint : cluster;
  }
}
