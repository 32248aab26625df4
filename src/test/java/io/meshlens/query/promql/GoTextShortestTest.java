package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast shortest-digits path ({@link GoText#shortestFast}) against the rounding loop it replaces
 * ({@link GoText#shortestByRounding}): same unscaled digits and scale for every value.
 */
class GoTextShortestTest {

  private static void assertSame(double v) {
    if (v <= 0 || Double.isInfinite(v) || Double.isNaN(v)) {
      return;
    }
    BigDecimal want = GoText.shortestByRounding(v);
    BigDecimal got = GoText.shortest(v);
    assertThat(got).as("shortest(%s) [bits %x]", v, Double.doubleToRawLongBits(v)).isEqualTo(want);
    assertThat(got.scale()).isEqualTo(want.scale());
    // The plain text, through its own fast path, as the rounding loop's digits write it.
    for (double x : new double[] {v, -v}) {
      String plain =
          x == Math.rint(x) && Math.abs(x) < 1e15
              ? Long.toString((long) x)
              : (x < 0 ? "-" : "") + want.toPlainString();
      assertThat(GoText.formatFloatPlain(x)).as("formatFloatPlain(%s)", x).isEqualTo(plain);
    }
  }

  @Test
  void fastDigitsEqualRoundingLoopForRandomBitPatterns() {
    SplittableRandom r = new SplittableRandom(20261205L);
    for (int i = 0; i < 300_000; i++) {
      double v = Math.abs(Double.longBitsToDouble(r.nextLong()));
      if (v != 0 && !Double.isNaN(v) && !Double.isInfinite(v)) {
        assertSame(v);
      }
    }
  }

  @Test
  void fastDigitsEqualRoundingLoopForQueryLikeValues() {
    SplittableRandom r = new SplittableRandom(42L);
    for (int i = 0; i < 300_000; i++) {
      // Rates (counter deltas over seconds), ratios, quantiles, sums with fractions.
      long a = r.nextLong(1, 1L << r.nextInt(1, 60));
      long b = r.nextLong(1, 1L << r.nextInt(1, 40));
      assertSame((double) a / b);
      assertSame(a / 60.0);
      assertSame(a * 0.1 + b * 0.01);
      assertSame(r.nextDouble() * Math.pow(10, r.nextInt(-30, 30)));
      assertSame(a + 0.25);
      assertSame(r.nextDouble() * 1e7);
      assertSame(1e-3 + r.nextDouble() * 0.01);
      assertSame(Math.nextDown(1e7 - r.nextInt(3)));
    }
  }

  @Test
  void fastDigitsEqualRoundingLoopAtEdges() {
    double[] edges = {
      Double.MIN_VALUE,
      Double.MIN_NORMAL,
      Double.MAX_VALUE,
      Math.nextDown(Double.MIN_NORMAL),
      1e23,
      2e23,
      9007199254740993.0,
      1125899906842624.25,
      1125899906842624.75,
      0.1 + 0.2,
      4.773839360306339e-07,
      1e-7,
      1e21,
      123.456,
      1.0 / 3,
      2.0 / 3,
      0.001,
      1e7,
      9999999.5,
      0.0015,
      100.5,
    };
    for (double v : edges) {
      assertSame(v);
      assertSame(Math.nextUp(v));
      assertSame(Math.nextDown(v));
    }
    for (int e = -324; e <= 308; e++) {
      double p = Double.parseDouble("1e" + e);
      if (p != 0 && !Double.isInfinite(p)) {
        assertSame(p);
        assertSame(Math.nextUp(p));
        assertSame(Math.nextDown(p));
      }
    }
  }
}
