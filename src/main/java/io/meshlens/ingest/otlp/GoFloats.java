package io.meshlens.ingest.otlp;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Float to text exactly as Go's {@code strconv} prints it, because Prometheus' OTLP translator puts
 * such text into label values ({@code le}, {@code quantile}, double attributes) and a label value
 * that differs by one digit is a different series.
 *
 * <p>Go prints the shortest decimal that reads back as the same double. Java 17's {@code
 * Double.toString} sometimes prints more digits than that, so the digits are computed here.
 */
final class GoFloats {

  private static final int CACHE_SIZE = 512;

  /** Bucket bounds and quantiles repeat on every data point: remember their text. */
  private static final Entry[] CACHE = new Entry[CACHE_SIZE];

  private record Entry(long bits, String text) {}

  private GoFloats() {}

  /** Go's {@code strconv.FormatFloat(v, 'f', -1, 64)}: "0.5", "1", "1000", "+Inf", "NaN". */
  static String formatPlain(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      if (v == 0 && Double.doubleToRawLongBits(v) != 0) {
        return "-0";
      }
      return Long.toString((long) v);
    }
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    long bits = Double.doubleToRawLongBits(v);
    int slot = (int) (bits ^ (bits >>> 29) ^ (bits >>> 43)) & (CACHE_SIZE - 1);
    Entry e = CACHE[slot];
    if (e != null && e.bits == bits) {
      return e.text;
    }
    String text = shortest(v).toPlainString();
    // Entries are immutable with final fields, so a racing reader sees either null or a whole one.
    CACHE[slot] = new Entry(bits, text);
    return text;
  }

  /**
   * Go's JSON number text (also pdata's {@code Value.AsString} for doubles): plain notation, or
   * exponent notation below 1e-6 and from 1e21 on ("1e-7", "1.5e+21"). Only for finite values.
   */
  static String formatJsonNumber(double v) {
    double abs = Math.abs(v);
    if (abs == 0) {
      return Double.doubleToRawLongBits(v) == 0 ? "0" : "-0";
    }
    if (abs >= 1e-6 && abs < 1e21) {
      return formatPlain(v);
    }
    BigDecimal d = shortest(v);
    String digits = d.unscaledValue().abs().toString();
    int exponent = digits.length() - 1 - d.scale();
    StringBuilder sb = new StringBuilder(digits.length() + 8);
    if (v < 0) {
      sb.append('-');
    }
    sb.append(digits.charAt(0));
    if (digits.length() > 1) {
      sb.append('.').append(digits, 1, digits.length());
    }
    sb.append('e').append(exponent < 0 ? '-' : '+').append(Math.abs(exponent));
    return sb.toString();
  }

  /** The shortest decimal that reads back as {@code v} (finite, non-zero), without trailing 0s. */
  static BigDecimal shortest(double v) {
    BigDecimal exact = new BigDecimal(v);
    for (int precision = 1; precision < 17; precision++) {
      BigDecimal nearest = exact.round(new MathContext(precision, RoundingMode.HALF_EVEN));
      if (readsBackAs(nearest, v)) {
        return nearest.stripTrailingZeros();
      }
      // Next to a power of two the gap below is half the gap above, so the nearest candidate can
      // miss while the one on the other side still reads back.
      RoundingMode otherSide =
          nearest.compareTo(exact) > 0 ? RoundingMode.FLOOR : RoundingMode.CEILING;
      BigDecimal other = exact.round(new MathContext(precision, otherSide));
      if (readsBackAs(other, v)) {
        return other.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }

  private static boolean readsBackAs(BigDecimal d, double v) {
    return Double.parseDouble(d.toString()) == v;
  }
}
