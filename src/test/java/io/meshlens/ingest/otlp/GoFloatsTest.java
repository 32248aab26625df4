package io.meshlens.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Expected texts are what Go's strconv.FormatFloat(v, 'f', -1, 64) and encoding/json print. */
class GoFloatsTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0.5, 0.5",
    "1, 1",
    "1.0, 1",
    "5, 5",
    "1000, 1000",
    "3600000, 3600000",
    "0.005, 0.005",
    "0.1, 0.1",
    "2.5, 2.5",
    "0.25, 0.25",
    "0.30000000000000004, 0.30000000000000004",
    "123456789.125, 123456789.125",
    "1e-7, 0.0000001",
    "1e15, 1000000000000000",
    "1e21, 1000000000000000000000",
    "-2.5, -2.5",
    "0, 0",
    "-0.0, -0",
    "Infinity, +Inf",
    "-Infinity, -Inf",
    "NaN, NaN",
  })
  void plain(double value, String expected) {
    assertThat(GoFloats.formatPlain(value)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "0, 0",
    "1.5, 1.5",
    "3.0, 3",
    "123.456, 123.456",
    "0.000001, 0.000001",
    "1e-7, 1e-7",
    "1.5e-7, 1.5e-7",
    "-2.5e-10, -2.5e-10",
    "1e20, 100000000000000000000",
    "1e21, 1e+21",
    "1.2345e22, 1.2345e+22",
    "1e-100, 1e-100",
  })
  void jsonNumbers(double value, String expected) {
    assertThat(GoFloats.formatJsonNumber(value)).isEqualTo(expected);
  }

  @Test
  void printsTheShortestDigitsWhereJava17DoesNot() {
    // Java 17 prints Double.MIN_VALUE as 4.9E-324; Go (and Java 19+) as 5e-324.
    assertThat(GoFloats.formatJsonNumber(Double.MIN_VALUE)).isEqualTo("5e-324");
    assertThat(GoFloats.formatPlain(Double.MIN_VALUE)).isEqualTo("0." + "0".repeat(323) + "5");
  }

  @Test
  void everyTextReadsBackAsTheSameDouble() {
    Random random = new Random(42);
    for (int i = 0; i < 5_000; i++) {
      double v = Double.longBitsToDouble(random.nextLong());
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        continue;
      }
      String plain = GoFloats.formatPlain(v);
      assertThat(Double.parseDouble(plain)).isEqualTo(v);
      assertThat(Double.parseDouble(GoFloats.formatJsonNumber(v))).isEqualTo(v);
      // Never longer than what Java itself considers enough digits.
      String javaDigits =
          new BigDecimal(Double.toString(Math.abs(v)))
              .stripTrailingZeros()
              .unscaledValue()
              .toString();
      assertThat(GoFloats.shortest(Math.abs(v)).unscaledValue().toString().length())
          .isLessThanOrEqualTo(javaDigits.length());
    }
  }
}
