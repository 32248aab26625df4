package io.meshlens.store.logs;

/**
 * A log search: time range, stream label equality, a line substring and field predicates. A {@code
 * null} condition is not applied.
 *
 * @param startMs earliest request start (inclusive), epoch milliseconds
 * @param endMs latest request start (exclusive), epoch milliseconds
 * @param cluster cluster label
 * @param namespace namespace label
 * @param pod pod label
 * @param lineContains substring of the raw line (case-sensitive)
 * @param responseCode response code equal to
 * @param minResponseCode response code at least
 * @param method HTTP method equal to
 * @param pathPrefix path starting with
 * @param minDurationMs duration at least
 * @param limit at most this many entries (searches only)
 */
public record LogQuery(
    long startMs,
    long endMs,
    String cluster,
    String namespace,
    String pod,
    String lineContains,
    Integer responseCode,
    Integer minResponseCode,
    String method,
    String pathPrefix,
    Long minDurationMs,
    int limit) {

  public LogQuery {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
    if (endMs < startMs) {
      throw new IllegalArgumentException("end " + endMs + " is before start " + startMs);
    }
  }

  /** Every entry in {@code [startMs, endMs)}, newest first, at most {@code limit}. */
  public static LogQuery between(long startMs, long endMs, int limit) {
    return new LogQuery(
        startMs, endMs, null, null, null, null, null, null, null, null, null, limit);
  }

  public LogQuery withLabels(String cluster, String namespace, String pod) {
    return new LogQuery(
        startMs,
        endMs,
        cluster,
        namespace,
        pod,
        lineContains,
        responseCode,
        minResponseCode,
        method,
        pathPrefix,
        minDurationMs,
        limit);
  }

  public LogQuery withLineContains(String value) {
    return new LogQuery(
        startMs,
        endMs,
        cluster,
        namespace,
        pod,
        value,
        responseCode,
        minResponseCode,
        method,
        pathPrefix,
        minDurationMs,
        limit);
  }

  public LogQuery withResponseCode(Integer equal, Integer atLeast) {
    return new LogQuery(
        startMs,
        endMs,
        cluster,
        namespace,
        pod,
        lineContains,
        equal,
        atLeast,
        method,
        pathPrefix,
        minDurationMs,
        limit);
  }

  public LogQuery withMethod(String value) {
    return new LogQuery(
        startMs,
        endMs,
        cluster,
        namespace,
        pod,
        lineContains,
        responseCode,
        minResponseCode,
        value,
        pathPrefix,
        minDurationMs,
        limit);
  }

  public LogQuery withPathPrefix(String value) {
    return new LogQuery(
        startMs,
        endMs,
        cluster,
        namespace,
        pod,
        lineContains,
        responseCode,
        minResponseCode,
        method,
        value,
        minDurationMs,
        limit);
  }

  public LogQuery withMinDurationMs(Long value) {
    return new LogQuery(
        startMs,
        endMs,
        cluster,
        namespace,
        pod,
        lineContains,
        responseCode,
        minResponseCode,
        method,
        pathPrefix,
        value,
        limit);
  }
}
