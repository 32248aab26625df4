package io.meshlens.views;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The cross-cluster traffic view over a window: the service graph (clusters holding namespaces
 * holding services) with its edges, the cluster-to-cluster matrix, east-west gateway load and
 * failover episodes. Rates are per second averaged over the window; {@code null} when unknown.
 *
 * <p>Each call is counted once, as Kiali does: from the destination's sidecar when the request
 * reached a destination workload, from the source's sidecar otherwise ({@code destination_workload
 * ="unknown"}, e.g. {@code 503 UH} at the caller).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrafficReport(
    long start,
    long end,
    List<ClusterNode> clusters,
    List<Edge> edges,
    List<MatrixCell> clusterMatrix,
    List<EastWestGateway> eastWestGateways,
    List<Failover> failovers) {

  /** A cluster and the namespaces seen in it. */
  public record ClusterNode(String cluster, List<NamespaceNode> namespaces) {}

  /** A namespace with its tenant and services. */
  public record NamespaceNode(String namespace, String tenant, List<ServiceNode> services) {}

  /**
   * A service (canonical service of a caller, or destination service) in one namespace and cluster.
   * {@code peer} is true when its tenant is outside the caller's scope: then {@code workloads} is
   * absent (peer privacy).
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ServiceNode(
      String service,
      boolean peer,
      List<String> workloads,
      double requestsInPerSecond,
      double requestsOutPerSecond) {}

  /** One side of an edge; peers keep only tenant, cluster, namespace and service. */
  public record Endpoint(String tenant, String cluster, String namespace, String service) {}

  /**
   * Traffic from a service to a service over one protocol.
   *
   * @param requests HTTP/gRPC requests (TCP: connections opened) in the window
   * @param errorRate share of requests with a 5xx response or Envoy response flags
   * @param latencyMs histogram_quantile of istio_request_duration_milliseconds, null for TCP
   * @param bytesSentPerSecond bytes from source to destination (request bodies, TCP received by the
   *     destination)
   * @param bytesReceivedPerSecond bytes back to the source (response bodies, TCP sent)
   * @param mtlsShare share of destination-reported requests with connection_security_policy
   *     mutual_tls; null when none reached a destination sidecar
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Edge(
      Endpoint source,
      Endpoint destination,
      String protocol,
      boolean crossCluster,
      boolean crossTenant,
      double requests,
      double requestsPerSecond,
      double errors,
      Double errorRate,
      Map<String, Double> latencyMs,
      double bytesSentPerSecond,
      double bytesReceivedPerSecond,
      Double mtlsShare) {}

  /** Traffic from one cluster to another ({@code unknown} when it never reached a destination). */
  public record MatrixCell(
      String sourceCluster,
      String destinationCluster,
      double requestsPerSecond,
      Double errorRate,
      double bytesPerSecond) {}

  /**
   * Load through a cluster's east-west gateway: the cross-cluster calls that entered the cluster
   * (from the edges) and what the gateway itself reports (istio_tcp_* with source_workload
   * istio-eastwestgateway).
   */
  public record EastWestGateway(
      String cluster,
      double requestsPerSecond,
      double tcpConnectionsPerSecond,
      double gatewayBytesReceivedPerSecond,
      double gatewayBytesSentPerSecond,
      double gatewayConnectionsOpenedPerSecond) {}

  /**
   * A service whose callers in {@code sourceCluster}, normally served locally, were served by other
   * clusters for at least one step: from the first to the last step where more than half of those
   * calls went remote.
   */
  public record Failover(
      String tenant,
      String namespace,
      String service,
      String sourceCluster,
      List<String> remoteClusters,
      long from,
      long to,
      double peakRemoteShare,
      Double baselineLocalShare) {}
}
