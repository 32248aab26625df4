package io.meshlens.ingest;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of the ingest path. {@link LongAdder}s because every consumer thread bumps them per
 * record and per sample; readers (metrics, tests) are rare.
 */
public final class IngestStats {

  private final LongAdder records = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder samples = new LongAdder();
  private final LongAdder duplicateSamples = new LongAdder();
  private final Map<String, LongAdder> rejectedRecords = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> discardedPoints = new ConcurrentHashMap<>();

  void record(int size) {
    records.increment();
    bytes.add(size);
  }

  void sample(boolean stored) {
    if (stored) {
      samples.increment();
    } else {
      duplicateSamples.increment();
    }
  }

  /** A whole Kafka record that could not be used, by reason (e.g. {@code decode_error}). */
  void rejectRecord(String reason) {
    rejectedRecords.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  /** A data point left out, by reason (e.g. {@code delta_temporality}). */
  void discardPoint(String reason) {
    discardedPoints.computeIfAbsent(reason, k -> new LongAdder()).increment();
  }

  public long records() {
    return records.sum();
  }

  public long bytes() {
    return bytes.sum();
  }

  public long samples() {
    return samples.sum();
  }

  public long duplicateSamples() {
    return duplicateSamples.sum();
  }

  public long rejectedRecords(String reason) {
    LongAdder a = rejectedRecords.get(reason);
    return a == null ? 0 : a.sum();
  }

  public Map<String, Long> rejectedRecords() {
    return snapshot(rejectedRecords);
  }

  public Map<String, Long> discardedPoints() {
    return snapshot(discardedPoints);
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> m) {
    Map<String, Long> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }
}
