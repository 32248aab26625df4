package io.meshlens.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import org.junit.jupiter.api.Test;

class DeltaToCumulativeTest {

  private final DeltaToCumulative d = new DeltaToCumulative();
  private final Labels a = Labels.of("__name__", "req_total", "svc", "a");
  private final Labels b = Labels.of("__name__", "req_total", "svc", "b");

  @Test
  void deltasAddUpPerSeriesAndReplaysAreNotCountedTwice() {
    assertThat(d.add(a, 1000, 5)).isEqualTo(5);
    assertThat(d.add(a, 2000, 3)).isEqualTo(8);
    assertThat(d.add(b, 2000, 1)).isEqualTo(1);
    assertThat(d.add(a, 2000, 3)).isNaN(); // the same point again
    assertThat(d.add(a, 1500, 9)).isNaN(); // older than what was counted
    assertThat(d.add(a, 3000, 0)).isEqualTo(8);
  }
}
