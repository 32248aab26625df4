package io.meshlens.api;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses query parameters the way Prometheus' HTTP API does: timestamps as Unix seconds (with
 * fraction) or RFC 3339; durations as seconds (with fraction) or Prometheus durations like {@code
 * 1h30m}.
 */
final class ApiParams {

  private static final Pattern DURATION =
      Pattern.compile(
          "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000, 3600_000L, 60_000L, 1000L, 1L
  };

  private ApiParams() {}

  /** Milliseconds since the epoch; {@code defaultMs} when the parameter is absent. */
  static long time(String name, String value, long defaultMs) {
    if (value == null || value.isEmpty()) {
      return defaultMs;
    }
    try {
      return new BigDecimal(value)
          .movePointRight(3)
          .setScale(0, java.math.RoundingMode.HALF_EVEN)
          .longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      // not a number: try RFC 3339 below
    }
    try {
      return OffsetDateTime.parse(value).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      throw ApiError.badData(
          "invalid parameter \""
              + name
              + "\": cannot parse \""
              + value
              + "\" to a valid timestamp");
    }
  }

  /** A duration in milliseconds. */
  static long duration(String name, String value) {
    if (value == null || value.isEmpty()) {
      throw ApiError.badData(
          "invalid parameter \"" + name + "\": cannot parse \"\" to a valid duration");
    }
    try {
      BigDecimal secs = new BigDecimal(value);
      return secs.movePointRight(3).setScale(0, java.math.RoundingMode.HALF_EVEN).longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      // not a number: try a Prometheus duration below
    }
    Matcher m = DURATION.matcher(value);
    if (m.matches() && !value.isEmpty()) {
      long ms = 0;
      for (int i = 0; i < UNIT_MS.length; i++) {
        String g = m.group(i + 1);
        if (g != null) {
          ms += Long.parseLong(g) * UNIT_MS[i];
        }
      }
      return ms;
    }
    throw ApiError.badData(
        "invalid parameter \"" + name + "\": cannot parse \"" + value + "\" to a valid duration");
  }
}
