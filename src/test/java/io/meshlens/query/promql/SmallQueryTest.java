package io.meshlens.query.promql;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.store.LabelMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/** Which queries {@link PromqlEngine#isSmall} lets the HTTP layer answer without a thread hop. */
class SmallQueryTest {

  private static final long T = 1_700_000_000_000L;
  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());
  private final List<List<LabelMatcher>> asked = new ArrayList<>();
  private static final ToLongFunction<List<LabelMatcher>> NO_SCAN = m -> 0;

  /** 100 series per selector, recording which selectors were asked about. */
  private final ToLongFunction<List<LabelMatcher>> hundred =
      m -> {
        asked.add(m);
        return 100;
      };

  @Test
  void instantRateOverAHundredSeriesIsSmallAndEverySelectorIsCounted() {
    String q =
        "sum by (svc) (rate(requests_total{tenant=\"a\"}[4m])) / sum by (svc)"
            + " (rate(requests_total{tenant=\"a\", code=~\"5..\"}[4m]))";
    assertThat(engine.isSmall(q, T, T, 0, hundred, NO_SCAN)).isTrue();
    assertThat(asked).hasSize(2);
    assertThat(asked.get(1)).extracting(LabelMatcher::name).contains("code");
  }

  @Test
  void pointsOverTheStepsDecide() {
    String q = "sum(rate(requests_total[4m]))";
    // 100 series x 241 steps = 24,100 points: small; 721 steps: not.
    assertThat(engine.isSmall(q, T - 3_600_000, T, 15_000, hundred, NO_SCAN)).isTrue();
    assertThat(engine.isSmall(q, T - 6 * 3_600_000, T, 30_000, hundred, NO_SCAN)).isFalse();
  }

  @Test
  void samplesOverTheReadWindowDecide() {
    // 100 series x (1 d / 15 s) samples is far over the limit even for one step.
    assertThat(engine.isSmall("sum(rate(requests_total[1d]))", T, T, 0, hundred, NO_SCAN))
        .isFalse();
    // The 5 m lookback of a plain selector: 100 x (21 samples + a chunk of 120 decoded first).
    assertThat(engine.isSmall("requests_total", T, T, 0, hundred, NO_SCAN)).isTrue();
    // 800 series x 141 samples is over 100,000 although 800 points are few.
    assertThat(engine.isSmall("requests_total", T, T, 0, m -> 800, NO_SCAN)).isFalse();
    assertThat(engine.isSmall("requests_total", T, T, 0, m -> 700, NO_SCAN)).isTrue();
  }

  @Test
  void manySeriesSubqueriesAndHugeRangesAreNotSmall() {
    assertThat(engine.isSmall("sum(requests_total)", T, T, 0, m -> 1_000_000, NO_SCAN)).isFalse();
    assertThat(engine.isSmall("max_over_time(requests_total[1h:1m])", T, T, 0, m -> 1, NO_SCAN))
        .isFalse();
    assertThat(engine.isSmall("requests_total", 0, Long.MAX_VALUE / 2, 1, m -> 1, NO_SCAN))
        .isFalse();
  }

  @Test
  void regularExpressionsOverManyLabelValuesAreNotSmall() {
    String q = "requests_total{pod=~\".*abc.*\"}";
    assertThat(engine.isSmall(q, T, T, 0, hundred, m -> 10_000)).isTrue();
    assertThat(engine.isSmall(q, T, T, 0, hundred, m -> 10_001)).isFalse();
  }

  @Test
  void queriesThatFailAtOnceAreSmall() {
    assertThat(engine.isSmall("sum(", T, T, 0, m -> 1_000_000, NO_SCAN)).isTrue();
    assertThat(engine.isSmall("up", T, T - 1, 15_000, m -> 1_000_000, NO_SCAN)).isTrue();
    assertThat(engine.isSmall("vector(1)", T, T, 0, m -> 1_000_000, NO_SCAN)).isTrue();
  }
}
