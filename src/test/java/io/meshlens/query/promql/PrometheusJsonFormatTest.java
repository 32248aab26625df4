package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Expected texts are those a Prometheus 2.42 server returned for the same values. */
class PrometheusJsonFormatTest {

  @Test
  void pointTimestampsHaveThreeDecimalsWhenFractional() {
    assertThat(PrometheusJsonFormat.pointTimestamp(1_700_001_800_120L)).isEqualTo("1700001800.120");
    assertThat(PrometheusJsonFormat.pointTimestamp(1_700_001_800_001L)).isEqualTo("1700001800.001");
    assertThat(PrometheusJsonFormat.pointTimestamp(1_700_001_800_000L)).isEqualTo("1700001800");
    assertThat(PrometheusJsonFormat.pointTimestamp(-1_500L)).isEqualTo("-1.500");
  }

  @Test
  void pointValuesUseExponentOutsideMillionthToTenToTheTwentyOne() {
    assertThat(PrometheusJsonFormat.pointValue(1e-7)).isEqualTo("1e-07");
    assertThat(PrometheusJsonFormat.pointValue(4.773839360306339e-07))
        .isEqualTo("4.773839360306339e-07");
    assertThat(PrometheusJsonFormat.pointValue(-0.000001)).isEqualTo("-0.000001");
    assertThat(PrometheusJsonFormat.pointValue(1e21)).isEqualTo("1e+21");
    assertThat(PrometheusJsonFormat.pointValue(1e20)).isEqualTo("100000000000000000000");
    assertThat(PrometheusJsonFormat.pointValue(-0.0)).isEqualTo("-0");
    assertThat(PrometheusJsonFormat.pointValue(0.1 + 0.2)).isEqualTo("0.30000000000000004");
    assertThat(PrometheusJsonFormat.pointValue(Double.NaN)).isEqualTo("NaN");
    assertThat(PrometheusJsonFormat.pointValue(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
    assertThat(PrometheusJsonFormat.pointValue(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
  }

  @Test
  void scalarsNeverUseExponents() {
    assertThat(PrometheusJsonFormat.scalarValue(1e-7)).isEqualTo("0.0000001");
    assertThat(PrometheusJsonFormat.scalarTimestamp(1_700_001_800_120L)).isEqualTo("1700001800.12");
    assertThat(PrometheusJsonFormat.scalarTimestamp(-1_500L)).isEqualTo("-1.5");
    assertThat(PrometheusJsonFormat.scalarTimestamp(10_000L)).isEqualTo("10");
  }
}
