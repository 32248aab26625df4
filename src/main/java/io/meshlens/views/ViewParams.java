package io.meshlens.views;

import io.meshlens.api.ApiError;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time range and resolution of a view request, parsed the way Prometheus' HTTP API parses {@code
 * start}, {@code end} and {@code step} (Unix seconds with fraction or RFC 3339; seconds or
 * Prometheus durations such as {@code 30s}, {@code 1h}), refused with Prometheus' {@code bad_data}
 * errors.
 *
 * @param startMs window start, milliseconds since the epoch
 * @param endMs window end
 * @param stepMs resolution of the time series the view is computed from
 */
record ViewParams(long startMs, long endMs, long stepMs) {

  /** Views cover at most this much time in one request (31 days). */
  static final long MAX_RANGE_MS = 31L * 24 * 3600 * 1000;

  /** Default and smallest step: one typical scrape interval. */
  static final long MIN_DEFAULT_STEP_MS = 15_000;

  /** Default number of points a view's time series is computed at. */
  static final int DEFAULT_POINTS = 240;

  private static final Pattern DURATION =
      Pattern.compile(
          "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000, 3600_000L, 60_000L, 1000L, 1L
  };

  /**
   * Parses the parameters; {@code end} defaults to {@code nowMs}, {@code start} to one hour before
   * {@code end}, {@code step} to the range over {@value #DEFAULT_POINTS} points but at least 15 s.
   */
  static ViewParams parse(String start, String end, String step, long nowMs) {
    long e = time("end", end, nowMs);
    long s = time("start", start, e - 3600_000L);
    if (e < s) {
      throw ApiError.badData(
          "invalid parameter \"end\": end timestamp must not be before start time");
    }
    if (e - s > MAX_RANGE_MS) {
      throw ApiError.badData("invalid parameter \"start\": the range must not exceed 31d");
    }
    long st;
    if (step == null || step.isEmpty()) {
      st = Math.max(MIN_DEFAULT_STEP_MS, roundUpToSecond((e - s) / DEFAULT_POINTS));
    } else {
      st = duration("step", step);
      if (st <= 0) {
        throw ApiError.badData(
            "invalid parameter \"step\": zero or negative query resolution step widths are not"
                + " accepted. Try a positive integer");
      }
      if ((e - s) / st > 11_000) {
        throw ApiError.badData(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the"
                + " query resolution (?step=XX)");
      }
    }
    return new ViewParams(s, e, st);
  }

  /** The window counters are read over: {@code end - start}, at least one step. */
  long windowMs() {
    return Math.max(endMs - startMs, stepMs);
  }

  private static long roundUpToSecond(long ms) {
    return (ms + 999) / 1000 * 1000;
  }

  static long time(String name, String value, long defaultMs) {
    if (value == null || value.isEmpty()) {
      return defaultMs;
    }
    try {
      return new BigDecimal(value)
          .movePointRight(3)
          .setScale(0, RoundingMode.HALF_EVEN)
          .longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      // not a number: RFC 3339 below
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

  static long duration(String name, String value) {
    try {
      return new BigDecimal(value)
          .movePointRight(3)
          .setScale(0, RoundingMode.HALF_EVEN)
          .longValueExact();
    } catch (NumberFormatException | ArithmeticException e) {
      // not a number: a Prometheus duration below
    }
    Matcher m = DURATION.matcher(value);
    if (m.matches()) {
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
