package io.meshlens.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DeltaToCumulativeTest {

  @Test
  void deltasAddUpPerSeriesAndReplaysAreNotCountedTwice() {
    DeltaToCumulative d = new DeltaToCumulative(id -> null);
    assertThat(d.add(1, 1000, 5)).isEqualTo(5);
    assertThat(d.add(1, 2000, 3)).isEqualTo(8);
    assertThat(d.add(2, 2000, 1)).isEqualTo(1);
    assertThat(d.add(1, 2000, 3)).isNaN(); // the same point again
    assertThat(d.add(1, 1500, 9)).isNaN(); // older than what was counted
    assertThat(d.add(1, 3000, 0)).isEqualTo(8);
  }

  @Test
  void afterARestartTheTotalContinuesFromTheLastStoredSample() {
    // The store has series 7 at t=2000 with the running total 8.
    Map<Integer, long[]> stored = Map.of(7, new long[] {2000, Double.doubleToRawLongBits(8)});
    DeltaToCumulative d = new DeltaToCumulative(stored::get);
    assertThat(d.add(7, 1000, 5)).isNaN(); // replayed from Kafka, already in the total
    assertThat(d.add(7, 2000, 3)).isNaN();
    assertThat(d.add(7, 3000, 2)).isEqualTo(10);
    assertThat(d.add(8, 3000, 2)).isEqualTo(2);
  }
}
