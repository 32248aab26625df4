package io.meshlens.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one signal's ingest path, read by {@code /metrics} and tests. {@link LongAdder}s
 * because consumer threads bump them per record and per data point; readers are rare. Per-tenant
 * adders are handed out once and cached by the caller, so the hot path does no map lookup.
 */
public final class IngestStats {

  private final String signal;
  private final Map<String, LongAdder> recordsByTopic = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> bytesByTopic = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> pointsByTenant = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> bytesByTenant = new ConcurrentHashMap<>();
  private final LongAdder duplicatePoints = new LongAdder();
  private final Map<String, LongAdder> rejectedRecords = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> discardedPoints = new ConcurrentHashMap<>();
  private final Map<TenantReason, LongAdder> discardedByTenant = new ConcurrentHashMap<>();

  /** A discard reason that belongs to a tenant (its limits). */
  public record TenantReason(String reason, String tenant) {}

  private final Map<String, LongAdder> deadLettered = new ConcurrentHashMap<>();

  /** Most clusters whose last data time is tracked; more are not tracked (bounded labels). */
  static final int MAX_TRACKED_CLUSTERS = 1000;

  private final Map<String, ClusterClock> lastSeenByCluster = new ConcurrentHashMap<>();
  private final ClusterClock untracked = new ClusterClock();

  /**
   * The newest data timestamp stored from one cluster. Several consumer threads may write it: a
   * volatile read per data point, and a compare-and-set only when the point is newer (most points
   * of a batch share their timestamp), no lock, no allocation; {@code /metrics} reads it.
   */
  public static final class ClusterClock {
    private final AtomicLong lastMs = new AtomicLong(Long.MIN_VALUE);

    /** Notes a data point of time {@code timestampMs}. */
    public void observe(long timestampMs) {
      long cur = lastMs.get();
      while (timestampMs > cur && !lastMs.compareAndSet(cur, timestampMs)) {
        cur = lastMs.get();
      }
    }

    /** The newest timestamp observed, or {@link Long#MIN_VALUE} when none yet. */
    public long lastMs() {
      return lastMs.get();
    }
  }

  public IngestStats(String signal) {
    this.signal = signal;
  }

  /** {@code metrics}, {@code spans}, {@code logs}, {@code access_logs}. */
  public String signal() {
    return signal;
  }

  void record(String topic, int size) {
    adder(recordsByTopic, topic).increment();
    adder(bytesByTopic, topic).add(size);
  }

  /** The adder counting stored data points of {@code tenant}; callers cache it per series. */
  LongAdder pointsOf(String tenant) {
    return adder(pointsByTenant, tenant);
  }

  /** Bytes of {@code tenant}'s stored items (for access logs: the raw line's length). */
  void addBytes(String tenant, long n) {
    adder(bytesByTenant, tenant).add(n);
  }

  /**
   * The clock of {@code cluster}'s newest data; callers on the hot path cache it. Past {@link
   * #MAX_TRACKED_CLUSTERS} distinct names a shared untracked clock comes back, so a producer
   * inventing cluster names cannot grow {@code /metrics}.
   */
  public ClusterClock clusterClock(String cluster) {
    ClusterClock c = lastSeenByCluster.get(cluster);
    if (c != null) {
      return c;
    }
    if (lastSeenByCluster.size() >= MAX_TRACKED_CLUSTERS) {
      return untracked;
    }
    return lastSeenByCluster.computeIfAbsent(cluster, k -> new ClusterClock());
  }

  /** Newest data timestamp (ms) stored from each cluster that sent any. */
  public Map<String, Long> lastSeenByCluster() {
    Map<String, Long> out = new TreeMap<>();
    lastSeenByCluster.forEach(
        (c, clock) -> {
          long ms = clock.lastMs();
          if (ms != Long.MIN_VALUE) {
            out.put(c, ms);
          }
        });
    return out;
  }

  void duplicatePoint() {
    duplicatePoints.increment();
  }

  /** A whole Kafka record that could not be used, by reason (e.g. {@code decode_error}). */
  void rejectRecord(String reason) {
    adder(rejectedRecords, reason).increment();
  }

  /** A data point left out, by reason (e.g. {@code delta_temporality}). */
  void discardPoint(String reason) {
    adder(discardedPoints, reason).increment();
  }

  /** A data point of {@code tenant} left out, by reason (e.g. a per-tenant limit). */
  void discardPoint(String reason, String tenant) {
    discardedByTenant
        .computeIfAbsent(new TenantReason(reason, tenant), k -> new LongAdder())
        .increment();
  }

  /** Data points left out for a tenant's reason (its limits), by reason and tenant. */
  public Map<TenantReason, Long> discardedByTenant() {
    Map<TenantReason, Long> out = new java.util.HashMap<>();
    discardedByTenant.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  void deadLettered(String reason) {
    adder(deadLettered, reason).increment();
  }

  private static LongAdder adder(Map<String, LongAdder> m, String key) {
    LongAdder a = m.get(key);
    return a != null ? a : m.computeIfAbsent(key, k -> new LongAdder());
  }

  public long records() {
    return sum(recordsByTopic);
  }

  public long bytes() {
    return sum(bytesByTopic);
  }

  /** Data points stored, all tenants. */
  public long samples() {
    return sum(pointsByTenant);
  }

  /** Bytes of stored items by tenant; counted by the access log path only. */
  public Map<String, Long> bytesByTenant() {
    return snapshot(bytesByTenant);
  }

  public long duplicateSamples() {
    return duplicatePoints.sum();
  }

  public long rejectedRecords(String reason) {
    LongAdder a = rejectedRecords.get(reason);
    return a == null ? 0 : a.sum();
  }

  public Map<String, Long> recordsByTopic() {
    return snapshot(recordsByTopic);
  }

  public Map<String, Long> bytesByTopic() {
    return snapshot(bytesByTopic);
  }

  public Map<String, Long> pointsByTenant() {
    return snapshot(pointsByTenant);
  }

  public Map<String, Long> rejectedRecords() {
    return snapshot(rejectedRecords);
  }

  public Map<String, Long> discardedPoints() {
    return snapshot(discardedPoints);
  }

  public Map<String, Long> deadLettered() {
    return snapshot(deadLettered);
  }

  private static long sum(Map<String, LongAdder> m) {
    long n = 0;
    for (LongAdder a : m.values()) {
      n += a.sum();
    }
    return n;
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
