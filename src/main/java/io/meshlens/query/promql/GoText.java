package io.meshlens.query.promql;

import com.fasterxml.jackson.core.io.schubfach.DoubleToDecimal;
import io.meshlens.model.Labels;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Text conversions that reproduce Go's {@code strconv} and {@code fmt} behaviour, because
 * Prometheus' error messages, {@code count_values} labels and number parsing are defined by them
 * and results must match the reference byte for byte.
 */
final class GoText {

  private GoText() {}

  /** Go's {@code strconv.Quote}: a double-quoted string with Go escapes. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    s.codePoints().forEach(cp -> appendEscaped(sb, cp, '"'));
    return sb.append('"').toString();
  }

  /** Go's {@code strconv.QuoteRune}, e.g. {@code '~'}; used by {@code %q} on runes. */
  static String quoteRune(int cp) {
    if (cp < 0) {
      cp = 0xFFFD;
    }
    StringBuilder sb = new StringBuilder("'");
    appendEscaped(sb, cp, '\'');
    return sb.append('\'').toString();
  }

  /** Go's {@code %#U}, e.g. {@code U+0063 'c'}. */
  static String unicodeRune(int cp) {
    if (cp < 0) {
      cp = 0xFFFD;
    }
    String hex = String.format(Locale.ROOT, "U+%04X", cp);
    if (isPrintable(cp)) {
      return hex + " '" + new String(Character.toChars(cp)) + "'";
    }
    return hex;
  }

  private static boolean isPrintable(int cp) {
    if (cp < 0x20 || cp == 0x7f) {
      return false;
    }
    if (cp < 0x7f) {
      return true;
    }
    int type = Character.getType(cp);
    return !Character.isISOControl(cp)
        && type != Character.UNASSIGNED
        && type != Character.SURROGATE
        && type != Character.PRIVATE_USE
        && type != Character.FORMAT
        && type != Character.LINE_SEPARATOR
        && type != Character.PARAGRAPH_SEPARATOR
        && !(Character.isSpaceChar(cp) && cp != ' ');
  }

  private static void appendEscaped(StringBuilder sb, int cp, char quote) {
    if (cp == quote || cp == '\\') {
      sb.append('\\').appendCodePoint(cp);
      return;
    }
    if (isPrintable(cp)) {
      sb.appendCodePoint(cp);
      return;
    }
    switch (cp) {
      case 0x07 -> sb.append("\\a");
      case '\b' -> sb.append("\\b");
      case '\f' -> sb.append("\\f");
      case '\n' -> sb.append("\\n");
      case '\r' -> sb.append("\\r");
      case '\t' -> sb.append("\\t");
      case 0x0b -> sb.append("\\v");
      default -> {
        if (cp < ' ' || cp == 0x7f) {
          sb.append(String.format(Locale.ROOT, "\\x%02x", cp));
        } else if (cp < 0x10000) {
          sb.append(String.format(Locale.ROOT, "\\u%04x", cp));
        } else {
          sb.append(String.format(Locale.ROOT, "\\U%08x", cp));
        }
      }
    }
  }

  /** Prometheus' {@code labels.Labels.String()}: {@code {__name__="up", job="x"}}. */
  static String labels(Labels labels) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < labels.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(labels.name(i)).append('=').append(quote(labels.value(i)));
    }
    return sb.append('}').toString();
  }

  /**
   * Go's {@code fmt.Sprint(float64)} ({@code %v}, i.e. {@code 'g'} with the shortest precision):
   * shortest digits that round-trip, exponent form when the decimal exponent is below -4 or at
   * least 6 ({@code 1e+06}).
   */
  static String formatFloat(double v) {
    String special = special(v);
    if (special != null) {
      return special;
    }
    if (v == 0) {
      return isNegativeZero(v) ? "-0" : "0";
    }
    BigDecimal d = shortest(Math.abs(v));
    String sign = v < 0 ? "-" : "";
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale(); // decimal exponent of the first digit
    if (exp < -4 || exp >= 6) {
      return formatFloatExp(v);
    }
    return sign + d.toPlainString();
  }

  /** Go's {@code strconv.FormatFloat(v, 'f', -1, 64)}: shortest digits, never an exponent. */
  static String formatFloatPlain(double v) {
    String special = special(v);
    if (special != null) {
      return special;
    }
    if (v == 0) {
      return isNegativeZero(v) ? "-0" : "0";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    String plain = plainFast(Math.abs(v));
    if (plain != null) {
      return v < 0 ? "-" + plain : plain;
    }
    BigDecimal d = shortest(Math.abs(v));
    return (v < 0 ? "-" : "") + d.toPlainString();
  }

  /**
   * Most values of a query response (rates, ratios, latencies) lie in [0.001, 1e7), where Schubfach
   * writes plain decimals without trailing zeros: there its text is the answer whenever {@link
   * #shortestFast} would accept its digits, with no {@code BigDecimal} in between. Null otherwise.
   */
  private static String plainFast(double abs) {
    if (abs < 1e-3
        || abs >= 1e7
        || (Double.doubleToRawLongBits(abs) & 0x000F_FFFF_FFFF_FFFFL) == 0) {
      return null;
    }
    String s = DoubleToDecimal.toString(abs);
    int significant = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '.') {
        continue;
      }
      if (c < '0' || c > '9') {
        return null;
      }
      if (significant > 0 || c != '0') {
        significant++;
      }
    }
    if (significant < 3 || s.charAt(s.length() - 1) == '0') {
      return null;
    }
    return s;
  }

  /** Go's {@code strconv.FormatFloat(v, 'e', -1, 64)}: shortest digits, e.g. {@code 1e-07}. */
  static String formatFloatExp(double v) {
    String special = special(v);
    if (special != null) {
      return special;
    }
    if (v == 0) {
      return isNegativeZero(v) ? "-0e+00" : "0e+00";
    }
    BigDecimal d = shortest(Math.abs(v));
    String digits = d.unscaledValue().toString();
    int exp = digits.length() - 1 - d.scale();
    String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return (v < 0 ? "-" : "")
        + mant
        + "e"
        + (exp < 0 ? "-" : "+")
        + String.format(Locale.ROOT, "%02d", Math.abs(exp));
  }

  /** Go's {@code %f}: six decimals, {@code +Inf}/{@code -Inf}/{@code NaN} for the specials. */
  static String formatFixed6(double v) {
    String special = special(v);
    return special != null ? special : String.format(Locale.ROOT, "%f", v);
  }

  private static String special(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (v == Double.POSITIVE_INFINITY) {
      return "+Inf";
    }
    if (v == Double.NEGATIVE_INFINITY) {
      return "-Inf";
    }
    return null;
  }

  private static boolean isNegativeZero(double v) {
    return Double.doubleToRawLongBits(v) == Long.MIN_VALUE;
  }

  /**
   * The shortest decimal that parses back to {@code v} (positive, finite, non-zero). Rounding the
   * exact binary value to p digits yields the closest p-digit decimal, so the first p that
   * round-trips gives Go's shortest representation.
   */
  static BigDecimal shortest(double v) {
    BigDecimal fast = shortestFast(v);
    return fast != null ? fast : shortestByRounding(v);
  }

  /**
   * {@link #shortest} from Schubfach's digits ({@link DoubleToDecimal}, as in JDK 19's {@code
   * Double.toString}), in a fraction of the time of the rounding loop, which needs up to 17
   * BigDecimal roundings per value and dominated the formatting of query responses. Schubfach
   * yields the closest decimal of the shortest length that round-trips, but never fewer than two
   * digits, and its choice can differ from the closest-rounding one where the rounding interval is
   * asymmetric (a power of two). So its answer is used only with at least three significant digits
   * and a non-zero fraction; then no shorter decimal round-trips and the closest decimal of that
   * length, which the loop returns, is Schubfach's. Null when the loop must decide.
   */
  static BigDecimal shortestFast(double v) {
    if ((Double.doubleToRawLongBits(v) & 0x000F_FFFF_FFFF_FFFFL) == 0) {
      return null;
    }
    String s = DoubleToDecimal.toString(v);
    long unscaled = 0;
    int fractionDigits = 0;
    boolean fraction = false;
    int exp10 = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == 'E') {
        exp10 = Integer.parseInt(s, i + 1, s.length(), 10);
        break;
      } else if (c == '.') {
        fraction = true;
      } else if (c >= '0' && c <= '9') {
        unscaled = unscaled * 10 + (c - '0');
        if (fraction) {
          fractionDigits++;
        }
      } else {
        return null;
      }
    }
    if (unscaled == 0) {
      return null;
    }
    int scale = fractionDigits - exp10;
    while (unscaled % 10 == 0) {
      unscaled /= 10;
      scale--;
    }
    if (unscaled < 100) {
      return null;
    }
    return BigDecimal.valueOf(unscaled, scale);
  }

  /** The reference form of {@link #shortest}: round to 1, 2, ... digits until it round-trips. */
  static BigDecimal shortestByRounding(double v) {
    BigDecimal exact = new BigDecimal(v);
    for (int p = 1; p < 17; p++) {
      BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
      if (r.doubleValue() == v) {
        return r.stripTrailingZeros();
      }
    }
    return exact.round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
  }

  /** Why {@link #parseFloat} rejected a string, mirroring Go's {@code strconv} errors. */
  static final class NumberSyntaxException extends Exception {
    private final boolean outOfRange;

    NumberSyntaxException(String function, String input, boolean outOfRange) {
      super(
          "strconv."
              + function
              + ": parsing "
              + quote(input)
              + ": "
              + (outOfRange ? "value out of range" : "invalid syntax"));
      this.outOfRange = outOfRange;
    }

    boolean outOfRange() {
      return outOfRange;
    }
  }

  /**
   * Go's {@code strconv.ParseFloat(s, 64)}: decimal or hexadecimal ({@code 0x1p-2}) floats, {@code
   * inf}/{@code infinity}/{@code nan} in any case with an optional sign; no surrounding spaces and
   * no Java suffixes such as {@code d} or {@code f}.
   */
  static double parseFloat(String s) throws NumberSyntaxException {
    String body = s;
    boolean negative = false;
    if (!body.isEmpty() && (body.charAt(0) == '+' || body.charAt(0) == '-')) {
      negative = body.charAt(0) == '-';
      body = body.substring(1);
    }
    String lower = body.toLowerCase(Locale.ROOT);
    if (lower.equals("inf") || lower.equals("infinity")) {
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (lower.equals("nan")) {
      if (s.length() != body.length()) {
        throw new NumberSyntaxException("ParseFloat", s, false);
      }
      return Double.NaN;
    }
    if (!isFloatSyntax(body)) {
      throw new NumberSyntaxException("ParseFloat", s, false);
    }
    double d;
    try {
      d = Double.parseDouble(body.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new NumberSyntaxException("ParseFloat", s, false);
    }
    if (Double.isInfinite(d)) {
      throw new NumberSyntaxException("ParseFloat", s, true);
    }
    return negative ? -d : d;
  }

  private static boolean isFloatSyntax(String b) {
    if (b.isEmpty()) {
      return false;
    }
    if (b.length() > 2 && b.charAt(0) == '0' && (b.charAt(1) == 'x' || b.charAt(1) == 'X')) {
      // Hexadecimal floats need a binary exponent, as in Go.
      return b.matches("0[xX](?:[0-9a-fA-F]+\\.?[0-9a-fA-F]*|\\.[0-9a-fA-F]+)[pP][+-]?[0-9]+");
    }
    return b.matches("(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?");
  }

  /** {@link #parseFloat}, or NaN when {@code s} is not a number. */
  static double parseFloatOrNaN(String s) {
    try {
      return parseFloat(s);
    } catch (NumberSyntaxException e) {
      return Double.NaN;
    }
  }

  /**
   * Go's {@code strconv.ParseInt(s, 0, 64)} restricted to what the PromQL lexer can produce:
   * decimal, leading-zero octal and {@code 0x} hexadecimal.
   *
   * @return the value, or {@code null} when Go would reject it (the caller then tries floats)
   */
  static Long parseIntBase0(String s) {
    try {
      if (s.length() > 2 && s.charAt(0) == '0' && (s.charAt(1) == 'x' || s.charAt(1) == 'X')) {
        return Long.parseLong(s.substring(2), 16);
      }
      if (s.length() > 1 && s.charAt(0) == '0') {
        return Long.parseLong(s.substring(1), 8);
      }
      return Long.parseLong(s, 10);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The UTF-8 length of {@code s}, for byte-based columns in error positions. */
  static int utf8Length(CharSequence s) {
    return s.toString().getBytes(StandardCharsets.UTF_8).length;
  }
}
