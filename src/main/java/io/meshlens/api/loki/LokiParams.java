package io.meshlens.api.loki;

import io.meshlens.query.logql.LogqlException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Query parameters read as Loki reads them: timestamps as Unix nanoseconds, Unix seconds (ten
 * digits or fewer, or with a fraction) or RFC 3339; steps and {@code since} as seconds or
 * Prometheus durations ({@code 15s}, {@code 1h30m}).
 */
final class LokiParams {

  private static final Pattern DURATION =
      Pattern.compile(
          "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final long[] UNIT_NS = {
    365L * 24 * 3600 * 1_000_000_000L,
    7L * 24 * 3600 * 1_000_000_000L,
    24L * 3600 * 1_000_000_000L,
    3600 * 1_000_000_000L,
    60 * 1_000_000_000L,
    1_000_000_000L,
    1_000_000L
  };

  private LokiParams() {}

  /** Nanoseconds since the epoch; {@code defaultNs} when absent. */
  static long timestamp(String name, String value, long defaultNs) {
    if (value == null || value.isEmpty()) {
      return defaultNs;
    }
    try {
      if (value.contains(".")) {
        return new BigDecimal(value)
            .setScale(3, RoundingMode.HALF_EVEN)
            .movePointRight(9)
            .longValueExact();
      }
      long n = Long.parseLong(value);
      return value.length() <= 10 ? Math.multiplyExact(n, 1_000_000_000L) : n;
    } catch (NumberFormatException | ArithmeticException e) {
      // not a number: RFC 3339 below
    }
    try {
      OffsetDateTime t = OffsetDateTime.parse(value);
      return Math.addExact(
          Math.multiplyExact(t.toEpochSecond(), 1_000_000_000L), (long) t.getNano());
    } catch (DateTimeParseException | ArithmeticException e) {
      throw new LogqlException(
          "invalid " + name + " \"" + value + "\": not a Unix timestamp or an RFC3339 time");
    }
  }

  /** A step or lookback in nanoseconds; {@code defaultNs} when absent. */
  static long duration(String name, String value, long defaultNs) {
    if (value == null || value.isEmpty()) {
      return defaultNs;
    }
    try {
      return new BigDecimal(value)
          .movePointRight(9)
          .setScale(0, RoundingMode.HALF_EVEN)
          .longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      // not seconds: a duration below
    }
    Matcher m = DURATION.matcher(value);
    if (m.matches()) {
      long ns = 0;
      for (int i = 0; i < UNIT_NS.length; i++) {
        if (m.group(i + 1) != null) {
          ns += Long.parseLong(m.group(i + 1)) * UNIT_NS[i];
        }
      }
      return ns;
    }
    throw new LogqlException(
        "invalid "
            + name
            + " \""
            + value
            + "\": not a number of seconds or a duration such as 15s");
  }

  /** The entry limit; {@code 100} when absent, as in Loki. */
  static int limit(String value) {
    if (value == null || value.isEmpty()) {
      return 100;
    }
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new LogqlException("invalid limit \"" + value + "\": not an integer");
    }
  }

  /** Whether the direction is {@code forward}; {@code backward} is the default. */
  static boolean forward(String value) {
    if (value == null || value.isEmpty() || value.equalsIgnoreCase("backward")) {
      return false;
    }
    if (value.equalsIgnoreCase("forward")) {
      return true;
    }
    throw new LogqlException("invalid direction \"" + value + "\": one of forward or backward");
  }

  /** Loki's default step: the range in seconds / 250, rounded up, at least one second. */
  static long defaultStepNs(long startNs, long endNs) {
    long seconds = (long) Math.ceil((endNs - startNs) / 1e9 / 250);
    return Math.max(seconds, 1) * 1_000_000_000L;
  }
}
