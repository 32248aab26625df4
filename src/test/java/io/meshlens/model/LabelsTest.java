package io.meshlens.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class LabelsTest {

  private final Labels l =
      Labels.of("__name__", "istio_requests_total", "b", "2", "a", "1", "c", "3");

  @Test
  void sortsByNameAndDropsEmptyValues() {
    Labels x = Labels.of("z", "1", "a", "2", "m", "");
    assertThat(x.names()).containsExactly("a", "z");
    assertThat(x).isEqualTo(Labels.of("a", "2", "z", "1"));
    assertThat(x.hashCode()).isEqualTo(Labels.of("a", "2", "z", "1").hashCode());
  }

  @Test
  void withoutDropsTheNamedLabelsAndKeepsOrder() {
    Labels out = l.without(Set.of("b", "__name__"));
    assertThat(out).isEqualTo(Labels.of("a", "1", "c", "3"));
    assertThat(out.names()).containsExactly("a", "c");
    assertThat(l.without(Set.of("nope"))).isSameAs(l);
    assertThat(l.without(Set.of("__name__", "a", "b", "c"))).isEqualTo(Labels.EMPTY);
    assertThat(l.withoutMetricName()).isEqualTo(Labels.of("a", "1", "b", "2", "c", "3"));
    assertThat(l.withoutMetricName().withoutMetricName()).isEqualTo(l.withoutMetricName());
  }

  @Test
  void onlyKeepsTheNamedLabels() {
    assertThat(l.only(Set.of("c", "a", "missing"))).isEqualTo(Labels.of("a", "1", "c", "3"));
    assertThat(l.only(Set.of("missing"))).isEqualTo(Labels.EMPTY);
    assertThat(l.only(Set.of("__name__", "a", "b", "c"))).isSameAs(l);
  }

  @Test
  void toBuilderStartsFromTheseLabelsAndLeavesThemUnchanged() {
    Labels changed = l.toBuilder().put("d", "4").remove("a").put("b", "20").build();
    assertThat(changed)
        .isEqualTo(Labels.of("__name__", "istio_requests_total", "b", "20", "c", "3", "d", "4"));
    assertThat(l.get("a")).isEqualTo("1");
    assertThat(l.get("b")).isEqualTo("2");
    Labels big = Labels.EMPTY.toBuilder().put("x", "1").build();
    assertThat(big).isEqualTo(Labels.of("x", "1"));
  }

  @Test
  void builderSortsLikeATreeMapWhateverTheOrderOfPuts() {
    java.util.Random random = new java.util.Random(7);
    for (int round = 0; round < 2_000; round++) {
      java.util.TreeMap<String, String> expected = new java.util.TreeMap<>();
      Labels.Builder b = Labels.builder();
      int n = random.nextInt(40);
      // In order, reversed, shuffled, with repeats and removals (empty values).
      int mode = round % 3;
      for (int i = 0; i < n; i++) {
        int k = mode == 0 ? i : mode == 1 ? n - i : random.nextInt(n);
        String name = "n" + (char) ('a' + k % 26) + k;
        String value = random.nextInt(10) == 0 ? "" : "v" + random.nextInt(3);
        if (value.isEmpty()) {
          expected.remove(name);
        } else {
          expected.put(name, value);
        }
        b.put(name, value);
      }
      assertThat(b.build().toMap()).containsExactlyEntriesOf(expected);
      assertThat(b.build()).isEqualTo(Labels.fromMap(expected));
    }
  }
}
