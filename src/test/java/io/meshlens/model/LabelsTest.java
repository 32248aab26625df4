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
}
