package io.meshlens.telemetry;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesReader;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantsConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * Per-tenant alerting rollups, computed from the metric store with PromQL over the whole mesh
 * ({@link Scope#everything()}) at a fixed interval, never per scrape.
 *
 * <p><b>Counters.</b> Istio's edge counters are cumulative per series; a plain {@code sum by
 * (tenant, cluster)} of them goes down whenever a pod's series ends, which Prometheus would read as
 * a counter reset. So each run reads the raw destination-reported series, takes each series' growth
 * since the previous run (a value below the previous one is a restart: its whole value is growth; a
 * series seen for the first time adds its whole value) and adds it to a per-(tenant, cluster)
 * total. The result is a true monotonic counter that Prometheus can {@code rate()} over any window,
 * which is what a multi-window burn-rate alert needs. A series not seen for {@link #FORGET_MS} is
 * forgotten. Like any process' counter it counts from start-up: the first run takes the values
 * already in the store as the baseline, so a restart reads to Prometheus as a counter reset, not as
 * every request since the series began arriving at once.
 *
 * <p><b>Attribution.</b> {@code tenant} and {@code cluster} are the labels Meshlens gave the
 * destination proxy's series: the tenant whose workload served the request, and its cluster. Only
 * destination-reported series are read, so each request that reached a workload counts once. Calls
 * that never reached one (503 {@code UH}: no healthy upstream) appear only in the caller's
 * source-reported series and are not counted here.
 *
 * <p><b>Isolation.</b> A violation is a request between two tenants that are not each other's
 * {@code allowedPeers} ({@link TenantDirectory#allowedPeers}), callers in {@code platform} and
 * callers Istio could not identify excluded: the rule of {@code views.IsolationAudit}, which lists
 * the edges behind the count. The audit answers over a window (and looks up example requests in the
 * access logs); alerting needs an exact monotonic counter, so the rollup counts the same rule per
 * series here. TCP connections are not counted (the metric counts requests).
 *
 * <p><b>Bounded cardinality.</b> {@code tenant} values come from the tenants file (attribution);
 * {@code cluster} values from telemetry, so at most {@code maxClusters} distinct clusters get their
 * own series and the rest are folded into {@code cluster="_other"}; each metric family keeps at
 * most {@code maxSeries} label sets (sorted by tenant, cluster), the rest are dropped and counted.
 */
final class TenantRollups {

  /** Upper bounds (seconds) of the latency histogram; each is one of Istio's default buckets. */
  static final double[] LATENCY_BOUNDS_SECONDS = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60
  };

  /** The cluster of series past the cluster limit. */
  static final String OTHER_CLUSTER = "_other";

  /** A series unseen for this long is forgotten (its next sighting counts whole). */
  static final long FORGET_MS = 3_600_000L;

  /** A service counts as deployed in a cluster for this long after it last served there. */
  static final long LOCAL_SERVICE_MS = 3_600_000L;

  /** Response codes and gRPC statuses counted as server errors. */
  private static final Set<String> GRPC_SERVER_ERRORS = Set.of("2", "4", "12", "13", "14", "15");

  /** The counters, in the order of {@link Snapshot#counters()} arrays. */
  enum Counter {
    REQUESTS(
        "meshlens_tenant_requests",
        "Requests served by the tenant's workloads (destination-reported Istio requests)."),
    ERRORS(
        "meshlens_tenant_request_errors",
        "Of those, server errors: HTTP 5xx, or gRPC UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED,"
            + " INTERNAL, UNAVAILABLE, DATA_LOSS."),
    CROSS_CLUSTER(
        "meshlens_tenant_cross_cluster_requests",
        "Of those, requests whose caller runs in another cluster (cluster: the serving one)."),
    FAILOVER(
        "meshlens_tenant_failover_requests",
        "Requests from callers in `cluster` served in another cluster although the service has"
            + " workloads in `cluster` (locality failover)."),
    PLAINTEXT(
        "meshlens_tenant_plaintext_requests",
        "Requests the tenant's workloads received without mutual TLS (connection_security_policy"
            + " neither mutual_tls nor unknown)."),
    ISOLATION_VIOLATIONS(
        "meshlens_tenant_isolation_violations",
        "Requests the tenant's workloads received from another tenant that is not an allowed peer"
            + " (tenants file allowedPeers, either direction); platform callers excluded.");

    final String metric;
    final String help;

    Counter(String metric, String help) {
      this.metric = metric;
      this.help = help;
    }
  }

  /** A (tenant, cluster) pair. */
  record Key(String tenant, String cluster) implements Comparable<Key> {
    @Override
    public int compareTo(Key o) {
      int c = tenant.compareTo(o.tenant);
      return c != 0 ? c : cluster.compareTo(o.cluster);
    }
  }

  /** A quota resource of a (tenant, cluster). */
  record QuotaKey(String tenant, String cluster, String resource) implements Comparable<QuotaKey> {
    @Override
    public int compareTo(QuotaKey o) {
      int c = tenant.compareTo(o.tenant);
      if (c == 0) {
        c = cluster.compareTo(o.cluster);
      }
      return c != 0 ? c : resource.compareTo(o.resource);
    }
  }

  /**
   * Cumulative latency histogram of one (tenant, cluster): {@code buckets[i]} requests at or below
   * {@code LATENCY_BOUNDS_SECONDS[i]}, then the total count and the sum in seconds.
   */
  record Latency(double[] cumulativeBuckets, double count, double sumSeconds) {}

  /** One run's result; immutable. */
  record Snapshot(
      long computedAtMs,
      Map<Key, double[]> counters,
      Map<Key, Latency> latency,
      Map<Key, Double> cpuCores,
      Map<Key, Double> memoryBytes,
      Map<QuotaKey, Double> quotaUtilisation,
      Map<String, Long> activeSeries,
      long droppedSeries) {

    static final Snapshot EMPTY =
        new Snapshot(0, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), 0);
  }

  private static final String REQUESTS = "istio_requests_total{reporter=\"destination\"}";
  private static final String DURATION =
      "{__name__=~\"istio_request_duration_milliseconds_(bucket|sum|count)\","
          + "reporter=\"destination\"}";

  private static final String BY = "sum by (tenant, cluster) ";

  /** CPU cores in use: kubelet (OpenTelemetry) names first, else cAdvisor's. */
  static final String CPU =
      BY
          + "(k8s_pod_cpu_usage) or "
          + BY
          + "(rate(k8s_pod_cpu_time_seconds_total[5m])) or "
          + BY
          + "(rate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\"}[5m]))";

  /** Working-set memory: kubelet (OpenTelemetry) names first, else cAdvisor's. */
  static final String MEMORY =
      BY
          + "(k8s_pod_memory_working_set_bytes) or "
          + BY
          + "(container_memory_working_set_bytes{container!=\"\",container!=\"POD\"})";

  /** Used over hard of each quota resource: k8s_cluster receiver names, else kube-state-metrics. */
  static final String QUOTA =
      "sum by (tenant, cluster, resource) (k8s_resource_quota_used)"
          + " / sum by (tenant, cluster, resource) (k8s_resource_quota_hard_limit > 0)"
          + " or sum by (tenant, cluster, resource) (kube_resourcequota{type=\"used\"})"
          + " / sum by (tenant, cluster, resource) (kube_resourcequota{type=\"hard\"} > 0)";

  private final PromqlEngine engine;
  private final SeriesReader reader;
  private final Supplier<TenantDirectory> tenants;
  private final ToLongFunction<String> activeSeriesOf;
  private final int maxClusters;
  private final int maxSeries;

  // State of the single thread that runs compute().
  private final Map<Labels, double[]> previous = new HashMap<>(); // value, last seen ms
  private final Map<String, Long> localServices = new HashMap<>(); // ns\0svc\0cluster -> ms
  private final Set<String> clusters = new TreeSet<>();
  private final Map<Key, double[]> counters = new TreeMap<>();
  private final Map<Key, double[]> latency = new TreeMap<>(); // buckets..., count, sum
  private long droppedSeries; // in the current run
  private boolean baselined;

  TenantRollups(
      PromqlEngine engine,
      SeriesReader reader,
      Supplier<TenantDirectory> tenants,
      ToLongFunction<String> activeSeriesOf,
      int maxClusters,
      int maxSeries) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.reader = Objects.requireNonNull(reader, "reader");
    this.tenants = Objects.requireNonNull(tenants, "tenants");
    this.activeSeriesOf = Objects.requireNonNull(activeSeriesOf, "activeSeriesOf");
    this.maxClusters = maxClusters;
    this.maxSeries = maxSeries;
  }

  /** Reads the store as of {@code nowMs}, adds what grew since the last run, returns a snapshot. */
  Snapshot compute(long nowMs) {
    droppedSeries = 0;
    TenantDirectory dir = tenants.get();
    List<QueryResult.Sample> requests = vector(REQUESTS, nowMs);
    for (QueryResult.Sample s : requests) {
      Labels l = s.labels();
      localServices.put(
          l.getOrEmpty("destination_service_namespace")
              + '\0'
              + l.getOrEmpty("destination_service_name")
              + '\0'
              + destinationCluster(l),
          nowMs);
    }
    localServices.values().removeIf(t -> t < nowMs - LOCAL_SERVICE_MS);
    for (QueryResult.Sample s : requests) {
      double d = growth(s, nowMs);
      if (d > 0) {
        countRequest(dir, s.labels(), d);
      }
    }
    for (QueryResult.Sample s : vector(DURATION, nowMs)) {
      double d = growth(s, nowMs);
      if (d > 0) {
        countLatency(s.labels(), d);
      }
    }
    forgetOldSeries(nowMs);
    baselined = true;

    Map<Key, double[]> countersOut = new TreeMap<>();
    counters.forEach((k, v) -> countersOut.put(k, v.clone()));
    Map<Key, Latency> latencyOut = new TreeMap<>();
    int n = LATENCY_BOUNDS_SECONDS.length;
    latency.forEach(
        (k, v) ->
            latencyOut.put(k, new Latency(java.util.Arrays.copyOf(v, n), v[n], v[n + 1] / 1000.0)));
    Map<String, Long> series = new TreeMap<>();
    for (String t : dir.allTenants()) {
      series.put(t, activeSeriesOf.applyAsLong(t));
    }
    return new Snapshot(
        nowMs,
        bounded(countersOut),
        bounded(latencyOut),
        bounded(gauges(CPU, nowMs)),
        bounded(gauges(MEMORY, nowMs)),
        boundedQuota(quota(nowMs)),
        Collections.unmodifiableMap(series),
        droppedSeries);
  }

  private List<QueryResult.Sample> vector(String query, long nowMs) {
    QueryResult r = engine.instantQuery(reader, Scope.everything(), query, nowMs);
    return r instanceof QueryResult.Vector v ? v.samples() : List.of();
  }

  /**
   * What a cumulative series grew by since the previous run; on the first run nothing (its value is
   * the baseline).
   */
  private double growth(QueryResult.Sample s, long nowMs) {
    double v = s.value();
    if (Double.isNaN(v)) {
      return 0;
    }
    double[] prev = previous.get(s.labels());
    if (prev == null) {
      previous.put(s.labels(), new double[] {v, nowMs});
      return baselined ? v : 0;
    }
    double d = v >= prev[0] ? v - prev[0] : v;
    prev[0] = v;
    prev[1] = nowMs;
    return d;
  }

  private void forgetOldSeries(long nowMs) {
    for (Iterator<double[]> it = previous.values().iterator(); it.hasNext(); ) {
      if (it.next()[1] < nowMs - FORGET_MS) {
        it.remove();
      }
    }
  }

  private void countRequest(TenantDirectory dir, Labels l, double d) {
    String tenant = l.getOrEmpty("tenant");
    Key key = new Key(tenant, cluster(l.getOrEmpty("cluster")));
    double[] c = counters.computeIfAbsent(key, k -> new double[Counter.values().length]);
    c[Counter.REQUESTS.ordinal()] += d;
    if (isServerError(l.getOrEmpty("response_code"), l.getOrEmpty("grpc_response_status"))) {
      c[Counter.ERRORS.ordinal()] += d;
    }
    String policy = l.getOrEmpty("connection_security_policy");
    if (!policy.isEmpty() && !"mutual_tls".equals(policy) && !"unknown".equals(policy)) {
      c[Counter.PLAINTEXT.ordinal()] += d;
    }
    String src = l.getOrEmpty("source_cluster");
    String dst = destinationCluster(l);
    if (known(src) && known(dst) && !src.equals(dst)) {
      c[Counter.CROSS_CLUSTER.ordinal()] += d;
      String local =
          l.getOrEmpty("destination_service_namespace")
              + '\0'
              + l.getOrEmpty("destination_service_name")
              + '\0'
              + src;
      if (localServices.containsKey(local)) {
        counters
                .computeIfAbsent(
                    new Key(tenant, cluster(src)), k -> new double[Counter.values().length])[
                Counter.FAILOVER.ordinal()] +=
            d;
      }
    }
    String srcNs = l.getOrEmpty("source_workload_namespace");
    if (known(srcNs)) {
      String srcTenant = dir.tenantOf(srcNs, known(src) ? src : l.getOrEmpty("cluster"));
      if (!srcTenant.equals(tenant)
          && !TenantsConfig.PLATFORM.equals(srcTenant)
          && !TenantsConfig.PLATFORM.equals(tenant)
          && !dir.allowedPeers(srcTenant, tenant)) {
        c[Counter.ISOLATION_VIOLATIONS.ordinal()] += d;
      }
    }
  }

  private void countLatency(Labels l, double d) {
    String name = l.getOrEmpty(Labels.METRIC_NAME);
    int n = LATENCY_BOUNDS_SECONDS.length;
    int slot;
    if (name.endsWith("_count")) {
      slot = n;
    } else if (name.endsWith("_sum")) {
      slot = n + 1;
    } else {
      slot = bucketIndex(l.getOrEmpty("le"));
      if (slot < 0) {
        return;
      }
    }
    Key key = new Key(l.getOrEmpty("tenant"), cluster(l.getOrEmpty("cluster")));
    latency.computeIfAbsent(key, k -> new double[n + 2])[slot] += d;
  }

  /** The index of the bound a millisecond {@code le} equals, or -1 (e.g. {@code +Inf}). */
  static int bucketIndex(String leMillis) {
    double le;
    try {
      le = Double.parseDouble(leMillis);
    } catch (NumberFormatException e) {
      return -1;
    }
    for (int i = 0; i < LATENCY_BOUNDS_SECONDS.length; i++) {
      double bound = LATENCY_BOUNDS_SECONDS[i] * 1000;
      if (Math.abs(le - bound) <= bound * 1e-9) {
        return i;
      }
    }
    return -1;
  }

  /** HTTP 5xx, or a gRPC status that means the server failed. */
  static boolean isServerError(String responseCode, String grpcStatus) {
    if (responseCode.length() == 3 && responseCode.charAt(0) == '5') {
      return true;
    }
    return GRPC_SERVER_ERRORS.contains(grpcStatus);
  }

  private static String destinationCluster(Labels l) {
    String d = l.getOrEmpty("destination_cluster");
    return known(d) ? d : l.getOrEmpty("cluster");
  }

  private static boolean known(String v) {
    return !v.isEmpty() && !"unknown".equals(v);
  }

  /** {@code c}, or {@link #OTHER_CLUSTER} once {@code maxClusters} others are taken. */
  private String cluster(String c) {
    if (clusters.contains(c)) {
      return c;
    }
    if (clusters.size() >= maxClusters) {
      return OTHER_CLUSTER;
    }
    clusters.add(c);
    return c;
  }

  private Map<Key, Double> gauges(String query, long nowMs) {
    Map<Key, Double> out = new TreeMap<>();
    for (QueryResult.Sample s : vector(query, nowMs)) {
      if (!Double.isNaN(s.value())) {
        out.merge(
            new Key(s.labels().getOrEmpty("tenant"), cluster(s.labels().getOrEmpty("cluster"))),
            s.value(),
            Double::sum);
      }
    }
    return out;
  }

  private Map<QuotaKey, Double> quota(long nowMs) {
    Map<QuotaKey, Double> out = new TreeMap<>();
    for (QueryResult.Sample s : vector(QUOTA, nowMs)) {
      Labels l = s.labels();
      if (!Double.isNaN(s.value())) {
        out.put(
            new QuotaKey(
                l.getOrEmpty("tenant"), cluster(l.getOrEmpty("cluster")), l.getOrEmpty("resource")),
            s.value());
      }
    }
    return out;
  }

  /** The first {@code maxSeries} entries (keys are sorted); the rest are counted as dropped. */
  private <K, V> Map<K, V> bounded(Map<K, V> sorted) {
    if (sorted.size() <= maxSeries) {
      return Collections.unmodifiableMap(sorted);
    }
    Map<K, V> out = new TreeMap<>();
    List<Map.Entry<K, V>> entries = new ArrayList<>(sorted.entrySet());
    for (int i = 0; i < maxSeries; i++) {
      out.put(entries.get(i).getKey(), entries.get(i).getValue());
    }
    droppedSeries += sorted.size() - maxSeries;
    return Collections.unmodifiableMap(out);
  }

  private Map<QuotaKey, Double> boundedQuota(Map<QuotaKey, Double> sorted) {
    return bounded(sorted);
  }
}
