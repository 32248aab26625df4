package io.meshlens.simulator;

import java.time.Instant;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the simulator emitted, kept exactly, so that tests and benchmarks can compare Meshlens'
 * answers with the truth instead of with another computation of it.
 *
 * <p>One writer (the simulator, inside {@link MeshSimulator#tick}) and any number of readers: the
 * maps are concurrent and every query returns a snapshot. Counts are cumulative since the start of
 * the simulation and are updated once per tick, after the tick's output is complete.
 */
public final class GroundTruth {

  /** Quota of a tenant namespace in one cluster, as last emitted. */
  public record QuotaUsage(
      String cluster, String namespace, Map<String, Long> hard, Map<String, Long> used) {}

  /**
   * One cluster's istiod as last emitted.
   *
   * @param pushes xDS pushes of every type since start ({@code pilot_xds_pushes})
   * @param convergenceBuckets non-cumulative counts per {@code pilot_proxy_convergence_time} bucket
   *     (upper bounds {@link #CONVERGENCE_BOUNDS} and +Inf)
   * @param rootCertExpirySeconds {@code citadel_server_root_cert_expiry_timestamp}
   */
  public record Istiod(
      String cluster,
      int connectedProxies,
      long pushes,
      long internalErrors,
      long pushContextErrors,
      long[] convergenceBuckets,
      long rootCertExpirySeconds) {}

  /** Upper bounds of istiod's convergence histogram, in seconds. */
  public static final List<Double> CONVERGENCE_BOUNDS = Otlp.CONVERGENCE_BOUNDS_LIST;

  /** When an edge's count last grew and first grew, as tick times. */
  public record Seen(Instant first, Instant last) {}

  private final FailoverEpisode failover;
  private final ConcurrentHashMap<String, Istiod> istiods = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EdgeKey, Seen> seen = new ConcurrentHashMap<>();
  private final Set<EdgeKey> grewThisTick = new HashSet<>(); // writer thread only
  private final ConcurrentHashMap<EdgeKey, Long> requests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EdgeKey, Long> reached = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EdgeKey, Long> tcpConnections = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EdgeKey, Long> tcpSentBytes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<EdgeKey, Long> tcpReceivedBytes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> eastWestRequests = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> spansByTenant = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, Long> accessLogsByTenant = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, PodUsage> podUsage = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, QuotaUsage> quotas = new ConcurrentHashMap<>();
  private final AtomicLong requestsTotal = new AtomicLong();
  private final AtomicLong reachedTotal = new AtomicLong();
  private final AtomicLong failedOver = new AtomicLong();
  private final AtomicLong spans = new AtomicLong();
  private final AtomicLong accessLogLines = new AtomicLong();
  private final AtomicLong otlpLogRecords = new AtomicLong();
  private final AtomicLong ticks = new AtomicLong();
  private volatile Instant lastTick;

  GroundTruth(FailoverEpisode failover, Instant start) {
    this.failover = failover;
    this.lastTick = start;
  }

  // ---- queries ----

  /** HTTP/gRPC requests made (each call once, whether or not it reached a destination). */
  public long requestsTotal() {
    return requestsTotal.get();
  }

  /** Requests that reached a destination sidecar (what destination reporters count). */
  public long requestsReachedDestinationTotal() {
    return reachedTotal.get();
  }

  /** Requests per edge; what the source reporters count. */
  public Map<EdgeKey, Long> requestsByEdge() {
    return edgeSnapshot(requests);
  }

  /** Requests per edge that reached the destination sidecar; what destination reporters count. */
  public Map<EdgeKey, Long> requestsReachedDestinationByEdge() {
    return edgeSnapshot(reached);
  }

  /** Requests where the source or the destination belongs to the tenant (each counted once). */
  public long requestsInvolvingTenant(String tenant) {
    long n = 0;
    for (Map.Entry<EdgeKey, Long> e : requests.entrySet()) {
      if (e.getKey().involvesTenant(tenant)) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** Requests from {@code sourceCluster} handled in {@code destinationCluster}. */
  public long requestsBetweenClusters(String sourceCluster, String destinationCluster) {
    long n = 0;
    for (Map.Entry<EdgeKey, Long> e : requests.entrySet()) {
      if (e.getKey().sourceCluster().equals(sourceCluster)
          && e.getKey().destinationCluster().equals(destinationCluster)) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** Requests with a given response code. */
  public long requestsWithCode(int responseCode) {
    long n = 0;
    for (Map.Entry<EdgeKey, Long> e : requests.entrySet()) {
      if (e.getKey().responseCode() == responseCode) {
        n += e.getValue();
      }
    }
    return n;
  }

  /** TCP connections per edge (response code 0); opened and closed within the same tick. */
  public Map<EdgeKey, Long> tcpConnectionsByEdge() {
    return edgeSnapshot(tcpConnections);
  }

  /** TCP bytes the destination sent back per edge ({@code istio_tcp_sent_bytes_total}). */
  public Map<EdgeKey, Long> tcpSentBytesByEdge() {
    return edgeSnapshot(tcpSentBytes);
  }

  /** TCP bytes the destination received per edge ({@code istio_tcp_received_bytes_total}). */
  public Map<EdgeKey, Long> tcpReceivedBytesByEdge() {
    return edgeSnapshot(tcpReceivedBytes);
  }

  /** HTTP requests and TCP connections that entered a cluster through its east-west gateway. */
  public long eastWestGatewayRequests(String cluster) {
    return eastWestRequests.getOrDefault(cluster, 0L);
  }

  /** The failover episode as configured. */
  public FailoverEpisode failover() {
    return failover;
  }

  /** Requests sent to the failover cluster because the local pods were ejected. */
  public long failedOverRequests() {
    return failedOver.get();
  }

  /** Spans exported (client and server spans of sampled traces). */
  public long spansEmitted() {
    return spans.get();
  }

  /** Spans by the tenant of the proxy that emitted them. */
  public Map<String, Long> spansByTenant() {
    return snapshot(spansByTenant);
  }

  /** Lines put on the access log topic (east-1 and west-1 proxies). */
  public long accessLogLinesEmitted() {
    return accessLogLines.get();
  }

  /** OTLP access log records (east-2 proxies, Envoy OpenTelemetry access logger). */
  public long otlpLogRecordsEmitted() {
    return otlpLogRecords.get();
  }

  /** Access log entries (lines and OTLP records) by the tenant of the proxy that wrote them. */
  public Map<String, Long> accessLogsByTenant() {
    return snapshot(accessLogsByTenant);
  }

  /** Last usage emitted per pod, keyed {@code cluster/namespace/pod}. */
  public Map<String, PodUsage> podUsage() {
    return snapshot(podUsage);
  }

  public Optional<PodUsage> podUsage(String cluster, String namespace, String pod) {
    return Optional.ofNullable(podUsage.get(cluster + "/" + namespace + "/" + pod));
  }

  /** Last quota emitted per tenant namespace, keyed {@code cluster/namespace}. */
  public Map<String, QuotaUsage> quotas() {
    return snapshot(quotas);
  }

  /** Last emitted istiod state per cluster. */
  public Map<String, Istiod> istiods() {
    return snapshot(istiods);
  }

  /**
   * First and last tick at which each edge's count (requests or TCP connections) grew: the tick's
   * output holds the growth, so a scrape at that time sees it.
   */
  public Map<EdgeKey, Seen> seenByEdge() {
    return Map.copyOf(seen);
  }

  /** The {@code now} of the last completed tick (the start before the first). */
  public Instant lastTick() {
    return lastTick;
  }

  public long ticks() {
    return ticks.get();
  }

  private static <K extends Comparable<? super K>, V> Map<K, V> snapshot(Map<K, V> m) {
    return Collections.unmodifiableMap(new TreeMap<>(m));
  }

  private static Map<EdgeKey, Long> edgeSnapshot(ConcurrentHashMap<EdgeKey, Long> m) {
    return Map.copyOf(m);
  }

  // ---- writer side, used by the simulator only ----

  void addRequests(EdgeKey key, long n, long reachedN) {
    if (n > 0) {
      grewThisTick.add(key);
    }
    requests.merge(key, n, Long::sum);
    requestsTotal.addAndGet(n);
    if (reachedN > 0) {
      reached.merge(key, reachedN, Long::sum);
      reachedTotal.addAndGet(reachedN);
    }
  }

  void addTcp(EdgeKey key, long connections, long sentBytes, long receivedBytes) {
    if (connections > 0) {
      grewThisTick.add(key);
    }
    tcpConnections.merge(key, connections, Long::sum);
    tcpSentBytes.merge(key, sentBytes, Long::sum);
    tcpReceivedBytes.merge(key, receivedBytes, Long::sum);
  }

  void addEastWest(String cluster, long n) {
    eastWestRequests.merge(cluster, n, Long::sum);
  }

  void addFailedOver(long n) {
    failedOver.addAndGet(n);
  }

  void addSpans(String tenant, long n) {
    spans.addAndGet(n);
    spansByTenant.merge(tenant, n, Long::sum);
  }

  void addAccessLogLines(String tenant, long n) {
    accessLogLines.addAndGet(n);
    accessLogsByTenant.merge(tenant, n, Long::sum);
  }

  void addOtlpLogRecords(String tenant, long n) {
    otlpLogRecords.addAndGet(n);
    accessLogsByTenant.merge(tenant, n, Long::sum);
  }

  void setPodUsage(PodUsage usage) {
    podUsage.put(usage.cluster() + "/" + usage.namespace() + "/" + usage.pod(), usage);
  }

  void setQuota(QuotaUsage q) {
    quotas.put(q.cluster() + "/" + q.namespace(), q);
  }

  void setIstiod(Istiod s) {
    istiods.put(s.cluster(), s);
  }

  void tickDone(Instant now) {
    for (EdgeKey k : grewThisTick) {
      seen.merge(k, new Seen(now, now), (a, b) -> new Seen(a.first(), b.last()));
    }
    grewThisTick.clear();
    lastTick = now;
    ticks.incrementAndGet();
  }
}
