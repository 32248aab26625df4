package io.meshlens.query.promql;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PromQL durations ({@code 1y2w3d4h5m6s7ms}) as Prometheus' {@code model.ParseDuration} and {@code
 * model.Duration.String} define them: units in this fixed order, each at most once, integer counts.
 */
final class Durations {

  private static final Pattern DURATION =
      Pattern.compile(
          "^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?"
              + "(([0-9]+)ms)?$");

  private static final long[] MULTIPLIERS = {
    1000L * 60 * 60 * 24 * 365,
    1000L * 60 * 60 * 24 * 7,
    1000L * 60 * 60 * 24,
    1000L * 60 * 60,
    1000L * 60,
    1000L,
    1L
  };

  /** The largest duration Go's {@code time.Duration} (nanoseconds) can hold, in milliseconds. */
  private static final long MAX_MS = Long.MAX_VALUE / 1_000_000L;

  private Durations() {}

  /**
   * Milliseconds in {@code s}.
   *
   * @throws IllegalArgumentException with Prometheus' message when {@code s} is not a duration
   */
  static long parse(String s) {
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration string");
    }
    Matcher m = DURATION.matcher(s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a valid duration string: " + GoText.quote(s));
    }
    long total = 0;
    boolean overflow = false;
    for (int i = 0; i < MULTIPLIERS.length; i++) {
      String n = m.group(2 + 2 * i);
      if (n == null) {
        continue;
      }
      long count;
      try {
        count = Long.parseLong(n);
      } catch (NumberFormatException e) {
        overflow = true;
        continue;
      }
      if (count > MAX_MS / MULTIPLIERS[i]) {
        overflow = true;
        continue;
      }
      total += count * MULTIPLIERS[i];
      if (total > MAX_MS || total < 0) {
        overflow = true;
      }
    }
    if (overflow) {
      throw new IllegalArgumentException("duration out of range");
    }
    return total;
  }

  /** Prometheus' canonical form, e.g. {@code 1h30m}; years and weeks only when exact. */
  static String format(long ms) {
    if (ms == 0) {
      return "0s";
    }
    StringBuilder sb = new StringBuilder();
    String[] units = {"y", "w", "d", "h", "m", "s", "ms"};
    for (int i = 0; i < units.length; i++) {
      long mult = MULTIPLIERS[i];
      if (i < 2 && ms % mult != 0) {
        continue;
      }
      long v = ms / mult;
      if (v > 0) {
        sb.append(v).append(units[i]);
        ms -= v * mult;
      }
    }
    return sb.toString();
  }
}
