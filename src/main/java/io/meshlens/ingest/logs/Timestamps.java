package io.meshlens.ingest.logs;

/**
 * RFC 3339 timestamps as access logs write them ({@code 2021-08-29T10:19:39.660Z} from Envoy's
 * {@code %START_TIME%}, {@code 2025-01-30T12:10:13.682034460Z} from {@code kubectl logs
 * --timestamps}, microseconds from ztunnel), read without allocating: this runs for every line.
 */
final class Timestamps {

  /** Returned for text that is not a timestamp. */
  static final long INVALID = Long.MIN_VALUE;

  private Timestamps() {}

  /**
   * Epoch milliseconds of {@code s[from, to)}: {@code YYYY-MM-DD}, {@code T} (or a space), {@code
   * hh:mm:ss}, an optional fraction of any length (truncated to milliseconds), and {@code Z}, an
   * offset ({@code +hh:mm}, {@code +hhmm}) or nothing (UTC). {@link #INVALID} otherwise.
   */
  static long parseMillis(CharSequence s, int from, int to) {
    if (to - from < 19) {
      return INVALID;
    }
    int year = digits(s, from, 4);
    int month = digits(s, from + 5, 2);
    int day = digits(s, from + 8, 2);
    int hour = digits(s, from + 11, 2);
    int minute = digits(s, from + 14, 2);
    int second = digits(s, from + 17, 2);
    char t = s.charAt(from + 10);
    if (year < 0
        || month < 1
        || month > 12
        || day < 1
        || day > 31
        || hour > 23
        || minute > 59
        || second > 60
        || hour < 0
        || minute < 0
        || second < 0
        || s.charAt(from + 4) != '-'
        || s.charAt(from + 7) != '-'
        || (t != 'T' && t != 't' && t != ' ')
        || s.charAt(from + 13) != ':'
        || s.charAt(from + 16) != ':'
        || day > daysInMonth(year, month)) {
      return INVALID;
    }
    int i = from + 19;
    int millis = 0;
    if (i < to && (s.charAt(i) == '.' || s.charAt(i) == ',')) {
      i++;
      int start = i;
      while (i < to && isDigit(s.charAt(i))) {
        if (i - start < 3) {
          millis = millis * 10 + (s.charAt(i) - '0');
        }
        i++;
      }
      int n = i - start;
      if (n == 0) {
        return INVALID;
      }
      for (int k = n; k < 3; k++) {
        millis *= 10;
      }
    }
    int offsetSeconds = 0;
    if (i < to) {
      char z = s.charAt(i);
      if ((z == 'Z' || z == 'z') && i + 1 == to) {
        i++;
      } else if (z == '+' || z == '-') {
        int oh = digits(s, i + 1, 2);
        int om;
        if (to - i == 6 && s.charAt(i + 3) == ':') {
          om = digits(s, i + 4, 2);
        } else if (to - i == 5) {
          om = digits(s, i + 3, 2);
        } else if (to - i == 3) {
          om = 0;
        } else {
          return INVALID;
        }
        if (oh < 0 || om < 0 || oh > 23 || om > 59) {
          return INVALID;
        }
        offsetSeconds = (z == '+' ? 1 : -1) * (oh * 3600 + om * 60);
        i = to;
      } else {
        return INVALID;
      }
    }
    if (i != to) {
      return INVALID;
    }
    long days = daysFromCivil(year, month, day);
    long secs = days * 86400L + hour * 3600L + minute * 60L + Math.min(second, 59) - offsetSeconds;
    return secs * 1000L + millis;
  }

  /** End (exclusive) of a timestamp-looking token starting at {@code from}, or -1. */
  static int tokenEnd(CharSequence s, int from) {
    int n = s.length();
    if (n - from < 20 || !isDigit(s.charAt(from)) || s.charAt(from + 4) != '-') {
      return -1;
    }
    int i = from;
    while (i < n && s.charAt(i) != ' ' && s.charAt(i) != '\t') {
      i++;
    }
    return i;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  /** Value of {@code n} decimal digits at {@code at}, or -1. */
  private static int digits(CharSequence s, int at, int n) {
    if (at + n > s.length()) {
      return -1;
    }
    int v = 0;
    for (int i = at; i < at + n; i++) {
      char c = s.charAt(i);
      if (!isDigit(c)) {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  private static int daysInMonth(int year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  /** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
  private static long daysFromCivil(int y, int m, int d) {
    y -= m <= 2 ? 1 : 0;
    long era = Math.floorDiv(y, 400);
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
  }
}
