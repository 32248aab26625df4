package io.meshlens.views;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * History of the ingest counters per tenant (cumulative since start-up), sampled at a fixed
 * interval, so the usage view can give a tenant's samples/s, spans/s and log bytes/s over any
 * window the history covers. Bounded: samples older than {@code keepMs} are dropped.
 */
public final class TelemetryVolume {

  /** Cumulative counts of one tenant at one instant. */
  public record Counts(long samples, long spans, long logEntries, long logBytes) {}

  /** Average rates over a window. */
  public record Rates(
      double samplesPerSecond,
      double spansPerSecond,
      double logEntriesPerSecond,
      double logBytesPerSecond) {}

  private final ConcurrentSkipListMap<Long, Map<String, Counts>> history =
      new ConcurrentSkipListMap<>();
  private final long keepMs;

  public TelemetryVolume(long keepMs) {
    this.keepMs = keepMs;
  }

  /** Records every tenant's counts at {@code nowMs}. */
  public void record(long nowMs, Map<String, Counts> byTenant) {
    history.put(nowMs, Map.copyOf(Objects.requireNonNull(byTenant)));
    history.headMap(nowMs - keepMs).clear();
  }

  /**
   * Rates between the last record at or before {@code startMs} (the first after it when there is
   * none) and the last record at or before {@code endMs}; null when fewer than two records fall in
   * that span.
   */
  public Rates rates(String tenant, long startMs, long endMs) {
    Map.Entry<Long, Map<String, Counts>> a = history.floorEntry(startMs);
    if (a == null) {
      a = history.ceilingEntry(startMs);
    }
    Map.Entry<Long, Map<String, Counts>> b = history.floorEntry(endMs);
    if (a == null || b == null || b.getKey() <= a.getKey()) {
      return null;
    }
    Counts zero = new Counts(0, 0, 0, 0);
    Counts x = a.getValue().getOrDefault(tenant, zero);
    Counts y = b.getValue().getOrDefault(tenant, zero);
    double secs = (b.getKey() - a.getKey()) / 1000.0;
    return new Rates(
        (y.samples() - x.samples()) / secs,
        (y.spans() - x.spans()) / secs,
        (y.logEntries() - x.logEntries()) / secs,
        (y.logBytes() - x.logBytes()) / secs);
  }

  /** Tenants seen in the latest record. */
  public java.util.Set<String> tenants() {
    Map.Entry<Long, Map<String, Counts>> last = history.lastEntry();
    return last == null ? java.util.Set.of() : last.getValue().keySet();
  }
}
