package io.meshlens.store.spans;

import java.util.Map;
import java.util.Objects;

/**
 * A trace search as Jaeger's {@code /api/traces} expresses it: a trace matches when at least one of
 * its spans visible in the scope matches every given condition.
 *
 * @param service {@code service.name} of the span, {@code null} or {@code ""} for any
 * @param operation operation name, {@code null} or {@code ""} for any
 * @param tags attribute values the span must have (exact match on its attributes)
 * @param minDurationMicros smallest span duration, 0 for no bound
 * @param maxDurationMicros largest span duration, 0 for no bound
 * @param startMicros earliest span start (inclusive), 0 for no bound
 * @param endMicros latest span start (inclusive), 0 for no bound
 * @param limit at most this many traces
 * @param status span status label ({@code error}, {@code ok}, {@code unset}), {@code null} or
 *     {@code ""} for any
 */
public record SpanQuery(
    String service,
    String operation,
    Map<String, String> tags,
    long minDurationMicros,
    long maxDurationMicros,
    long startMicros,
    long endMicros,
    int limit,
    String status) {

  public SpanQuery {
    tags = Map.copyOf(Objects.requireNonNullElse(tags, Map.of()));
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be positive: " + limit);
    }
  }

  /** Every trace in a time range, newest first, at most {@code limit}. */
  public static SpanQuery between(long startMicros, long endMicros, int limit) {
    return new SpanQuery(null, null, Map.of(), 0, 0, startMicros, endMicros, limit, null);
  }

  public SpanQuery withService(String value) {
    return new SpanQuery(
        value,
        operation,
        tags,
        minDurationMicros,
        maxDurationMicros,
        startMicros,
        endMicros,
        limit,
        status);
  }

  public SpanQuery withOperation(String value) {
    return new SpanQuery(
        service,
        value,
        tags,
        minDurationMicros,
        maxDurationMicros,
        startMicros,
        endMicros,
        limit,
        status);
  }

  public SpanQuery withTags(Map<String, String> value) {
    return new SpanQuery(
        service,
        operation,
        value,
        minDurationMicros,
        maxDurationMicros,
        startMicros,
        endMicros,
        limit,
        status);
  }

  public SpanQuery withDuration(long minMicros, long maxMicros) {
    return new SpanQuery(
        service, operation, tags, minMicros, maxMicros, startMicros, endMicros, limit, status);
  }

  public SpanQuery withStatus(String value) {
    return new SpanQuery(
        service,
        operation,
        tags,
        minDurationMicros,
        maxDurationMicros,
        startMicros,
        endMicros,
        limit,
        value);
  }
}
