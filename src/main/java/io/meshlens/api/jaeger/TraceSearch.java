package io.meshlens.api.jaeger;

import io.meshlens.store.spans.SpanQuery;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The parameters of {@code GET /api/traces} read the way Jaeger's query service reads them ({@code
 * cmd/query/app/query_parser.go}): {@code start}/{@code end} in Unix microseconds (defaults: now,
 * and {@code end} minus {@code lookback} or two days), {@code minDuration}/{@code maxDuration} as
 * Go durations, {@code limit} (default 100), tags (see {@link TagFilters}), {@code service}
 * required unless {@code traceID} parameters ask for traces by id.
 *
 * <p>Tags with a meaning beyond the span's attributes: {@code error=true} and {@code
 * otel.status_code=ERROR|OK|UNSET} select by span status, as Jaeger shows OTLP status as these
 * tags. {@code span.kind} cannot be searched: the store does not index it, and a silent empty
 * answer would mislead.
 *
 * @param query the store search
 * @param traceIds stored-form trace ids asked for by {@code traceID}; when present the other
 *     parameters are ignored, as in Jaeger
 * @param matchesNothing conditions no span can meet together (two different statuses)
 */
record TraceSearch(SpanQuery query, List<String> traceIds, boolean matchesNothing) {

  static final int DEFAULT_LIMIT = 100;

  /** Most traces one search returns (the Jaeger UI's own maximum): each is read in full. */
  static final int MAX_LIMIT = 1500;

  static final long DEFAULT_LOOKBACK_MICROS = 2L * 24 * 3600 * 1_000_000;

  TraceSearch {
    Objects.requireNonNull(query, "query");
    traceIds = List.copyOf(traceIds);
  }

  /** The raw query parameters; {@code null} where absent. */
  record Params(
      String service,
      String operation,
      String tags,
      List<String> tag,
      String minDuration,
      String maxDuration,
      String start,
      String end,
      String limit,
      String lookback,
      List<String> traceId) {

    Params {
      tag = tag == null ? List.of() : List.copyOf(tag);
      traceId = traceId == null ? List.of() : List.copyOf(traceId);
    }
  }

  /**
   * @param nowMicros the current time, Unix microseconds
   * @throws IllegalArgumentException with Jaeger's wording for a parameter that cannot be used
   */
  static TraceSearch parse(Params p, long nowMicros) {
    long end = isEmpty(p.end()) ? nowMicros : micros("end", p.end());
    long start = isEmpty(p.start()) ? end - lookback(p.lookback()) : micros("start", p.start());
    Map<String, String> tags = TagFilters.parse(p.tag(), p.tags());
    int limit = DEFAULT_LIMIT;
    if (!isEmpty(p.limit())) {
      try {
        limit = Integer.parseInt(p.limit());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "unable to parse param 'limit': not an integer: \"" + p.limit() + "\"");
      }
      // Jaeger hands 0 to the storage, which then uses its default.
      limit = limit <= 0 ? DEFAULT_LIMIT : Math.min(limit, MAX_LIMIT);
    }
    long minDuration = duration("minDuration", p.minDuration());
    long maxDuration = duration("maxDuration", p.maxDuration());
    List<String> ids = new ArrayList<>();
    for (String id : p.traceId()) {
      try {
        ids.add(TraceIds.toStored(id));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("cannot parse traceID param: " + e.getMessage());
      }
    }
    if (ids.isEmpty() && isEmpty(p.service())) {
      throw new IllegalArgumentException("parameter 'service' is required");
    }
    if (minDuration != 0 && maxDuration != 0 && maxDuration < minDuration) {
      throw new IllegalArgumentException("'maxDuration' should be greater than 'minDuration'");
    }

    String status = null;
    boolean conflict = false;
    Map<String, String> attributes = new LinkedHashMap<>();
    for (Map.Entry<String, String> t : tags.entrySet()) {
      String wanted = statusOf(t.getKey(), t.getValue());
      if (wanted != null) {
        conflict |= status != null && !status.equals(wanted);
        status = wanted;
      } else if (t.getKey().equals("span.kind")) {
        throw new IllegalArgumentException("tag 'span.kind' cannot be searched yet");
      } else {
        attributes.put(t.getKey(), t.getValue());
      }
    }
    SpanQuery q =
        new SpanQuery(
            emptyToNull(p.service()),
            emptyToNull(p.operation()),
            attributes,
            minDuration,
            maxDuration,
            start,
            end,
            limit,
            status);
    return new TraceSearch(q, ids, conflict);
  }

  /** The span status a tag condition selects, or {@code null} when it is an attribute condition. */
  private static String statusOf(String key, String value) {
    if (key.equals("error") && value.equals("true")) {
      return "error";
    }
    if (key.equals("otel.status_code")) {
      return switch (value.toUpperCase(Locale.ROOT)) {
        case "ERROR" -> "error";
        case "OK" -> "ok";
        case "UNSET" -> "unset";
        default ->
            throw new IllegalArgumentException(
                "tag 'otel.status_code' must be ERROR, OK or UNSET, got: " + value);
      };
    }
    return null;
  }

  private static long micros(String name, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "unable to parse param '"
              + name
              + "': not an integer number of microseconds: \""
              + value
              + "\"");
    }
  }

  private static long duration(String name, String value) {
    if (isEmpty(value)) {
      return 0;
    }
    long micros;
    try {
      micros = GoDuration.parseMicros(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unable to parse param '" + name + "': " + e.getMessage());
    }
    if (micros < 0) {
      throw new IllegalArgumentException(
          "unable to parse param '" + name + "': negative duration \"" + value + "\"");
    }
    return micros;
  }

  /**
   * The Jaeger UI's {@code lookback} ({@code 1h}, {@code 2d}, ...) when no {@code start} is given.
   * Jaeger itself ignores it; {@code custom} or anything unreadable means the two-day default.
   */
  private static long lookback(String value) {
    if (isEmpty(value)) {
      return DEFAULT_LOOKBACK_MICROS;
    }
    long micros;
    try {
      micros =
          value.endsWith("d")
              ? Math.multiplyExact(
                  Long.parseLong(value.substring(0, value.length() - 1)), 24L * 3600 * 1_000_000)
              : GoDuration.parseMicros(value);
    } catch (IllegalArgumentException | ArithmeticException e) {
      return DEFAULT_LOOKBACK_MICROS;
    }
    return micros > 0 ? micros : DEFAULT_LOOKBACK_MICROS;
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static String emptyToNull(String s) {
    return isEmpty(s) ? null : s;
  }
}
