package io.meshlens.api.jaeger;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * Go's {@code time.ParseDuration}, which Jaeger's query service applies to {@code minDuration} and
 * {@code maxDuration}: a sign, then one or more decimal numbers each with a unit ({@code ns},
 * {@code us}, {@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}), e.g. {@code 1.2s}, {@code
 * 100ms}, {@code 1h30m}. A bare {@code 0} is the only number without a unit. Error messages are
 * Go's.
 */
final class GoDuration {

  private static final BigInteger MAX_NANOS = BigInteger.valueOf(Long.MAX_VALUE);

  private GoDuration() {}

  /**
   * The duration in microseconds, truncated toward zero (Jaeger compares durations in µs).
   *
   * @throws IllegalArgumentException with Go's message, e.g. {@code time: unknown unit "x" in
   *     duration "1x"}
   */
  static long parseMicros(String text) {
    return parseNanos(text) / 1000;
  }

  static long parseNanos(String text) {
    String s = text;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw invalid(text);
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && isDigit(s.charAt(i))) {
        i++;
      }
      boolean pre = i > start;
      boolean post = false;
      if (i < s.length() && s.charAt(i) == '.') {
        i++;
        int fraction = i;
        while (i < s.length() && isDigit(s.charAt(i))) {
          i++;
        }
        post = i > fraction;
      }
      if (!pre && !post) {
        throw invalid(text);
      }
      String number = s.substring(start, i);
      int unitStart = i;
      while (i < s.length() && s.charAt(i) != '.' && !isDigit(s.charAt(i))) {
        i++;
      }
      if (i == unitStart) {
        throw new IllegalArgumentException("time: missing unit in duration \"" + text + "\"");
      }
      String unit = s.substring(unitStart, i);
      long unitNanos = unitNanos(unit);
      if (unitNanos == 0) {
        throw new IllegalArgumentException(
            "time: unknown unit \"" + unit + "\" in duration \"" + text + "\"");
      }
      total =
          total.add(
              new BigDecimal(number.endsWith(".") ? number + "0" : "0" + number)
                  .multiply(BigDecimal.valueOf(unitNanos)));
    }
    BigInteger nanos = total.toBigInteger();
    if (nanos.compareTo(MAX_NANOS) > 0) {
      throw invalid(text);
    }
    return negative ? -nanos.longValueExact() : nanos.longValueExact();
  }

  private static long unitNanos(String unit) {
    return switch (unit) {
      case "ns" -> 1L;
      // "µs" is U+00B5 (micro sign), "μs" U+03BC (Greek mu): Go accepts both.
      case "us", "\u00b5s", "\u03bcs" -> 1_000L;
      case "ms" -> 1_000_000L;
      case "s" -> 1_000_000_000L;
      case "m" -> 60_000_000_000L;
      case "h" -> 3_600_000_000_000L;
      default -> 0L;
    };
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static IllegalArgumentException invalid(String text) {
    return new IllegalArgumentException("time: invalid duration \"" + text + "\"");
  }
}
