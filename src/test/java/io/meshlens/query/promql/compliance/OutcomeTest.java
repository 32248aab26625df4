package io.meshlens.query.promql.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The comparison the compliance harness applies finds the differences it should. */
class OutcomeTest {

  private static Outcome vector(Outcome.Row... rows) {
    return new Outcome(null, null, "vector", List.of(rows));
  }

  private static Outcome.Row row(String labels, double v) {
    return new Outcome.Row(labels, new long[] {1000}, new double[] {v});
  }

  @Test
  void valuesWithinTheRelativeToleranceAndNaNsAreEqual() {
    assertThat(
            vector(row("{a=1}", 1e9), row("{a=2}", Double.NaN))
                .differenceFrom(vector(row("{a=1}", 1e9 + 0.5), row("{a=2}", Double.NaN)), false))
        .isNull();
    assertThat(vector(row("{a=1}", 1e9)).differenceFrom(vector(row("{a=1}", 1e9 + 2)), false))
        .isEqualTo("value of {a=1} at 1: 1.000000002E9 instead of 1.0E9");
    assertThat(
            vector(row("{a=1}", Double.POSITIVE_INFINITY))
                .differenceFrom(vector(row("{a=1}", Double.NaN)), false))
        .isEqualTo("value of {a=1} at 1: NaN instead of Infinity");
  }

  @Test
  void orderMattersOnlyWhenTheQuerySorts() {
    Outcome want = vector(row("{a=1}", 2), row("{a=2}", 1));
    Outcome got = vector(row("{a=2}", 1), row("{a=1}", 2));
    assertThat(want.differenceFrom(got, false)).isNull();
    assertThat(want.differenceFrom(got, true))
        .isEqualTo("at position 0: series {a=2} [1:1.0] instead of {a=1} [1:2.0]");
  }

  @Test
  void missingExtraSeriesAndErrorsAreDifferences() {
    assertThat(vector(row("{a=1}", 1)).differenceFrom(vector(), false))
        .isEqualTo("missing series {a=1} [1:1.0]");
    assertThat(vector().differenceFrom(vector(row("{a=1}", 1)), false))
        .isEqualTo("extra series {a=1} [1:1.0]");
    assertThat(Outcome.error("bad_data", "x").differenceFrom(Outcome.error("bad_data", "y"), false))
        .isEqualTo("error bad_data: y instead of bad_data: x");
    assertThat(Outcome.error("bad_data", "x").differenceFrom(Outcome.error("bad_data", "x"), false))
        .isNull();
  }

  @Test
  void queriesEndingInSortOrTopkKeepTheirOrder() {
    assertThat(PrometheusComplianceTest.ordersItsResult("(sort_desc(x))")).isTrue();
    assertThat(PrometheusComplianceTest.ordersItsResult("topk by (a) (2, x)")).isTrue();
    assertThat(PrometheusComplianceTest.ordersItsResult("sort(x) + 1")).isFalse();
    assertThat(PrometheusComplianceTest.ordersItsResult("sum(")).isFalse();
  }

  @Test
  void templatesExpandLikeTheComplianceTester() {
    assertThat(ComplianceQueries.expand("{{.topBottomOp}}(x[{{.offset}}]) {{.topBottomOp}}"))
        .containsExactly(
            "topk(x[1m]) topk",
            "topk(x[5m]) topk",
            "topk(x[10m]) topk",
            "bottomk(x[1m]) bottomk",
            "bottomk(x[5m]) bottomk",
            "bottomk(x[10m]) bottomk");
  }
}
