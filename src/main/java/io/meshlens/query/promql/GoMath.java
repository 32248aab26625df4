package io.meshlens.query.promql;

/**
 * Math functions whose special cases or exactness differ between Go and Java, so that PromQL
 * results match Prometheus': {@code 1 ^ NaN} is 1 in Go (NaN in Java), and Go's {@code Log2} and
 * {@code Log10} are exact for powers of two.
 */
final class GoMath {

  private static final double LN2 = 0.693147180559945309417232121458176568;
  private static final double LN10 = 2.30258509299404568401799145468436421;

  private GoMath() {}

  /** Go's {@code math.Pow} special cases, then Java's {@code Math.pow}. */
  static double pow(double x, double y) {
    if (y == 0 || x == 1) {
      return 1;
    }
    if (Double.isNaN(x) || Double.isNaN(y)) {
      return Double.NaN;
    }
    if (Double.isInfinite(y) && x == -1) {
      return 1;
    }
    return Math.pow(x, y);
  }

  /** Go's {@code math.Log2}: exact for powers of two. */
  static double log2(double x) {
    if (Double.isNaN(x) || x <= 0 || Double.isInfinite(x)) {
      return StrictMath.log(x) / LN2;
    }
    int exp = Math.getExponent(x);
    double frac;
    if (exp == Double.MIN_EXPONENT - 1) {
      // Subnormal: normalise first.
      double scaled = x * 0x1p52;
      exp = Math.getExponent(scaled) - 52;
      frac = scaled / Math.scalb(1.0, Math.getExponent(scaled) + 1);
    } else {
      frac = x / Math.scalb(1.0, exp + 1);
    }
    // Go's Frexp returns frac in [0.5, 1) and exp such that x = frac * 2^exp.
    int goExp = exp + 1;
    if (frac == 0.5) {
      return goExp - 1;
    }
    return StrictMath.log(frac) * (1 / LN2) + goExp;
  }

  /** Go's {@code math.Log10}, computed through {@link #log2} as Go does. */
  static double log10(double x) {
    return log2(x) * (LN2 / LN10);
  }

  /** Go's {@code math.Asinh}. */
  static double asinh(double x) {
    double ln2 = 6.93147180559945286227e-01;
    double nearZero = 1.0 / (1 << 28);
    double large = 1 << 28;
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    boolean sign = x < 0;
    if (sign) {
      x = -x;
    }
    double temp;
    if (x > large) {
      temp = StrictMath.log(x) + ln2;
    } else if (x > 2) {
      temp = StrictMath.log(2 * x + 1 / (Math.sqrt(x * x + 1) + x));
    } else if (x < nearZero) {
      temp = x;
    } else {
      temp = StrictMath.log1p(x + x * x / (1 + Math.sqrt(1 + x * x)));
    }
    return sign ? -temp : temp;
  }

  /** Go's {@code math.Acosh}. */
  static double acosh(double x) {
    double ln2 = 6.93147180559945286227e-01;
    double large = 1 << 28;
    if (x < 1 || Double.isNaN(x)) {
      return Double.NaN;
    } else if (x == 1) {
      return 0;
    } else if (x >= large) {
      return StrictMath.log(x) + ln2;
    } else if (x > 2) {
      return StrictMath.log(2 * x - 1 / (x + Math.sqrt(x * x - 1)));
    }
    double t = x - 1;
    return StrictMath.log1p(t + Math.sqrt(2 * t + t * t));
  }

  /** Go's {@code math.Atanh}. */
  static double atanh(double x) {
    double nearZero = 1.0 / (1 << 28);
    if (x < -1 || x > 1 || Double.isNaN(x)) {
      return Double.NaN;
    } else if (x == 1) {
      return Double.POSITIVE_INFINITY;
    } else if (x == -1) {
      return Double.NEGATIVE_INFINITY;
    }
    boolean sign = x < 0;
    if (sign) {
      x = -x;
    }
    double temp;
    if (x < nearZero) {
      temp = x;
    } else if (x < 0.5) {
      temp = x + x;
      temp = 0.5 * StrictMath.log1p(temp + temp * x / (1 - x));
    } else {
      temp = 0.5 * StrictMath.log1p((x + x) / (1 - x));
    }
    return sign ? -temp : temp;
  }
}
