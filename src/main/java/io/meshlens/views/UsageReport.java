package io.meshlens.views;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The resource usage view: one row per group (tenant, cluster, namespace or workload) and the
 * telemetry each tenant in scope sends to Meshlens. Numbers the data cannot give are {@code null}.
 *
 * @param sources the metric each figure was computed from (kubelet/OpenTelemetry or
 *     cAdvisor/kube-state-metrics names, or {@code istio} for the mesh-traffic fallback of network
 *     bytes); absent when no data
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record UsageReport(
    long start,
    long end,
    long step,
    String groupBy,
    Map<String, String> sources,
    List<Row> rows,
    List<TelemetryRow> telemetry) {

  /** The group a row describes; fields below the grouping level are absent. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Group(String tenant, String cluster, String namespace, String workload)
      implements Comparable<Group> {
    @Override
    public int compareTo(Group o) {
      return key().compareTo(o.key());
    }

    private String key() {
      return n(tenant) + '\0' + n(cluster) + '\0' + n(namespace) + '\0' + n(workload);
    }

    private static String n(String s) {
      return s == null ? "" : s;
    }
  }

  /** One group's usage over the window. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Row(
      Group group,
      Cpu cpu,
      Memory memory,
      Map<String, Quota> quota,
      Network network,
      Requests requests) {}

  /**
   * CPU in cores: usage summarised over the window's steps, requests and limits at its end, and the
   * istio-proxy container's part.
   *
   * @param proxyShare {@code proxyAvg / avg}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Cpu(
      Double avg,
      Double p95,
      Double max,
      Double requests,
      Double limits,
      Double proxyAvg,
      Double proxyShare) {}

  /** Memory working set in bytes, as {@link Cpu}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Memory(
      Double avg,
      Double p95,
      Double max,
      Double requests,
      Double limits,
      Double proxyAvg,
      Double proxyShare) {}

  /**
   * One quota resource at the window's end, summed over the group's namespaces. CPU resources in
   * cores (the k8s_cluster receiver's millicores are converted), memory in bytes, counts as is.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Quota(Double hard, Double used, Double utilisation) {}

  /** Bytes received and sent over the window and their average rates. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Network(
      Double receiveBytes,
      Double transmitBytes,
      Double receiveBytesPerSecond,
      Double transmitBytesPerSecond) {}

  /**
   * Mesh requests over the window: {@code inbound} as the group's sidecars report them as
   * destination, {@code outbound} as they report them as source.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Requests(
      Double inbound, Double outbound, Double inboundPerSecond, Double outboundPerSecond) {}

  /**
   * A tenant's telemetry in Meshlens, for chargeback: series it owns now, and what it sent over the
   * window (null when the window is older than the counters kept since start-up).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TelemetryRow(
      String tenant,
      long activeSeries,
      Double samplesPerSecond,
      Double spansPerSecond,
      Double logEntriesPerSecond,
      Double logBytesPerSecond) {}
}
