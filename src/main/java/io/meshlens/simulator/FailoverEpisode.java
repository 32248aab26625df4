package io.meshlens.simulator;

import java.time.Instant;

/**
 * The planned locality-failover episode: the service's pods in {@code failedCluster} fail from
 * {@code start}; outlier detection ejects them at {@code ejected}, after which callers in that
 * cluster are sent to {@code failoverCluster} through its east-west gateway; from {@code end} the
 * pods are healthy and traffic stays local again.
 *
 * <p>Between {@code start} and {@code ejected} calls fail with 503: mostly {@code UF} (the
 * destination sidecar cannot reach its crashed app; both reporters count it) and some {@code UH}
 * (no healthy upstream at the caller; only the source reporter counts it, destination cluster
 * {@code unknown}).
 */
public record FailoverEpisode(
    String namespace,
    String service,
    String failedCluster,
    String failoverCluster,
    Instant start,
    Instant ejected,
    Instant end) {

  /** Whether calls at {@code t} fail with 503 (after start, before ejection). */
  public boolean failingAt(Instant t) {
    return !t.isBefore(start) && t.isBefore(ejected) && t.isBefore(end);
  }

  /** Whether calls at {@code t} are sent to the failover cluster. */
  public boolean failedOverAt(Instant t) {
    return !t.isBefore(ejected) && t.isBefore(end);
  }
}
