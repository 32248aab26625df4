package io.meshlens.views;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;

/**
 * The mesh health view over a window: per cluster the control plane (istiod) and how fresh its
 * telemetry is, data-plane golden signals per tenant and cluster, and Meshlens' own ingest lag.
 *
 * <p>Control plane, cluster freshness and ingest lag are mesh-wide and shown to the SRE scope only
 * (absent for tenant callers); golden signals are limited to the caller's tenants.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthReport(
    long start,
    long end,
    List<ControlPlane> controlPlanes,
    List<GoldenSignals> goldenSignals,
    Freshness freshness,
    IngestLag ingestLag) {

  /**
   * One cluster's istiod.
   *
   * @param istiodUp whether istiod's own metrics ({@code pilot_xds}) have a sample no older than
   *     the silence threshold at {@code end}
   * @param lastScrape time of istiod's newest {@code pilot_xds} sample (ms), null when none in the
   *     last 5 minutes before {@code end}
   * @param connectedProxies {@code pilot_xds} at {@code end}: proxies connected over xDS
   * @param xdsPushes pushes of every type in the window ({@code pilot_xds_pushes} without {@code
   *     *_senderr})
   * @param xdsPushErrors errors in the window by metric: {@code
   *     pilot_xds_pushes{type=~"*_senderr"}} as {@code send_errors}, {@code
   *     pilot_total_xds_internal_errors}, {@code pilot_xds_push_context_errors}, {@code
   *     pilot_total_xds_rejects}, {@code pilot_xds_write_timeout}; metrics istiod does not expose
   *     are left out
   * @param proxyConvergenceP99Seconds histogram_quantile(0.99) of {@code
   *     pilot_proxy_convergence_time} over the window; null without observations
   * @param rootCertExpiry {@code citadel_server_root_cert_expiry_timestamp} (Unix seconds)
   * @param certChainExpiry {@code citadel_server_cert_chain_expiry_timestamp} (Istio 1.10+)
   * @param certExpiresInDays days from {@code end} to the earlier of the two
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ControlPlane(
      String cluster,
      boolean istiodUp,
      Long lastScrape,
      String version,
      Double connectedProxies,
      double xdsPushes,
      double xdsPushesPerSecond,
      double xdsPushErrorsTotal,
      Map<String, Double> xdsPushErrors,
      Double proxyConvergenceP99Seconds,
      Long rootCertExpiry,
      Long certChainExpiry,
      Double certExpiresInDays) {}

  /**
   * Requests to a tenant's services in one cluster (de-duplicated as in the traffic view: counted
   * by the destination's sidecar, or by the caller's when no destination was reached; {@code
   * cluster} is the serving cluster, the caller's for calls that reached none).
   *
   * @param errorRate share of requests with a 5xx response or Envoy response flags
   * @param latencyMs p50, p95, p99 of {@code istio_request_duration_milliseconds}
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GoldenSignals(
      String tenant,
      String cluster,
      double requests,
      double requestsPerSecond,
      double errors,
      Double errorRate,
      Map<String, Double> latencyMs) {}

  /**
   * When each cluster last sent telemetry, judged from the newest sample the store holds for it.
   *
   * @param thresholdSeconds a cluster whose newest sample is older than this at {@code end} is
   *     silent ({@code silentAfterScrapes} scrape intervals of {@code scrapeIntervalSeconds})
   */
  public record Freshness(
      int silentAfterScrapes,
      double scrapeIntervalSeconds,
      double thresholdSeconds,
      List<ClusterFreshness> clusters,
      List<String> silentClusters) {}

  /** One cluster's newest sample ({@code newestSample} in ms) and its age at {@code end}. */
  public record ClusterFreshness(
      String cluster, long newestSample, double secondsSinceNewest, boolean silent) {}

  /**
   * Meshlens' own Kafka consumer lag (records behind the partition end, as of each consumer's last
   * poll), the same numbers as {@code meshlens_kafka_consumer_lag} on {@code /metrics}.
   */
  public record IngestLag(long totalRecords, List<PartitionLag> partitions) {}

  public record PartitionLag(String topic, int partition, long records) {}
}
