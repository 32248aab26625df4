package io.meshlens.views;

import io.meshlens.model.Labels;

/**
 * One service-to-service edge of Istio's standard metrics, as the traffic view and the isolation
 * audit group them: source and destination cluster, namespace and service, and protocol.
 */
record EdgeId(
    String srcCluster,
    String srcNs,
    String srcSvc,
    String dstCluster,
    String dstNs,
    String dstSvc,
    String protocol)
    implements Comparable<EdgeId> {
  /**
   * The edge of a series grouped by {@code TrafficView.EDGE}. Istio before 1.8 has no {@code
   * source_cluster} / {@code destination_cluster}: the reporting side's cluster is then the series'
   * own {@code cluster}, the other side's {@code unknown}.
   */
  static EdgeId of(Labels l) {
    boolean bySource = "source".equals(l.get("reporter"));
    String own = ViewQueries.label(l, "cluster");
    return new EdgeId(
        orElse(l.get("source_cluster"), bySource ? own : "unknown"),
        ViewQueries.label(l, "source_workload_namespace"),
        ViewQueries.label(l, "source_canonical_service"),
        orElse(l.get("destination_cluster"), bySource ? "unknown" : own),
        ViewQueries.label(l, "destination_service_namespace"),
        ViewQueries.label(l, "destination_service_name"),
        ViewQueries.label(l, "request_protocol"));
  }

  private static String orElse(String v, String fallback) {
    return v == null || v.isEmpty() ? fallback : v;
  }

  String key() {
    return String.join("\0", srcCluster, srcNs, srcSvc, dstCluster, dstNs, dstSvc, protocol);
  }

  @Override
  public int compareTo(EdgeId o) {
    return key().compareTo(o.key());
  }
}
