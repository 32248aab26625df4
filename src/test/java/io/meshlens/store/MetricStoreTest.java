package io.meshlens.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.model.Labels;
import io.meshlens.tenancy.AttributedSeries;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MetricStoreTest {

  private final MetricStore store = new MetricStore();

  private int series(String name, String tenant, Set<String> visible, String... extra) {
    Labels.Builder b = Labels.builder().put("__name__", name).put("tenant", tenant);
    for (int i = 0; i < extra.length; i += 2) {
      b.put(extra[i], extra[i + 1]);
    }
    return store.seriesId(new AttributedSeries(b.build(), tenant, "c1", visible));
  }

  @Test
  void tenantScopeSeesOnlySeriesVisibleToIt() {
    int shopOnly = series("m", "shop", Set.of("shop"));
    int edge = series("m", "shop", Set.of("shop", "payments"), "peer", "payments");
    int platform = series("m", "platform", Set.of("platform"));
    for (int id : new int[] {shopOnly, edge, platform}) {
      store.append(id, 1000, 1);
    }
    List<LabelMatcher> all = List.of(LabelMatcher.equal("__name__", "m"));
    assertThat(store.select(Scope.tenants(Set.of("payments")), all, 0, 2000))
        .extracting(s -> s.labels().get("peer"))
        .containsExactly("payments");
    assertThat(store.select(Scope.tenants(Set.of("shop")), all, 0, 2000)).hasSize(2);
    assertThat(store.select(Scope.everything(), all, 0, 2000)).hasSize(3);
    assertThat(store.select(Scope.tenants(Set.of("nobody")), all, 0, 2000)).isEmpty();
  }

  @Test
  void regexMatchingEverythingStillStaysInsideTheScope() {
    store.append(series("a", "shop", Set.of("shop")), 1000, 1);
    store.append(series("b", "search", Set.of("search")), 1000, 1);
    List<LabelMatcher> any = List.of(LabelMatcher.of("__name__", LabelMatcher.Type.REGEX, ".+"));
    assertThat(store.select(Scope.tenants(Set.of("shop")), any, 0, 2000))
        .extracting(s -> s.labels().metricName())
        .containsExactly("a");
    List<LabelMatcher> forged =
        List.of(
            LabelMatcher.of("__name__", LabelMatcher.Type.REGEX, ".*"),
            LabelMatcher.of("tenant", LabelMatcher.Type.REGEX, "shop|search"));
    assertThat(store.select(Scope.tenants(Set.of("shop")), forged, 0, 2000)).hasSize(1);
  }

  @Test
  void seriesUpperBoundIsNeverBelowWhatSelectReturnsAndExactForEqualityMatchersOverTheMesh() {
    String[] tenants = {"shop", "search", "payments"};
    java.util.SplittableRandom r = new java.util.SplittableRandom(5);
    for (int i = 0; i < 300; i++) {
      String owner = tenants[i % 3];
      String peer = tenants[r.nextInt(3)];
      int id =
          series(
              i % 2 == 0 ? "requests_total" : "bytes_total",
              owner,
              Set.copyOf(List.of(owner, peer)),
              "code",
              Integer.toString(200 + 100 * r.nextInt(4)),
              "destination_workload",
              "w-" + r.nextInt(5),
              "cluster",
              r.nextBoolean() ? "east" : "west");
      store.append(id, 1000, i);
    }
    List<List<LabelMatcher>> selectors =
        List.of(
            List.of(LabelMatcher.equal("__name__", "requests_total")),
            List.of(
                LabelMatcher.equal("__name__", "requests_total"),
                LabelMatcher.equal("code", "500")),
            List.of(
                LabelMatcher.equal("__name__", "bytes_total"),
                LabelMatcher.of("code", LabelMatcher.Type.REGEX, "[45].."),
                LabelMatcher.of("cluster", LabelMatcher.Type.NOT_EQUAL, "east")),
            List.of(
                LabelMatcher.equal("__name__", "requests_total"),
                LabelMatcher.equal("destination_workload", "w-3")),
            List.of(LabelMatcher.equal("code", "600")),
            List.of(LabelMatcher.equal("absent", "")),
            List.of(LabelMatcher.of("__name__", LabelMatcher.Type.REGEX, ".+")));
    List<Scope> scopes =
        List.of(
            Scope.everything(),
            Scope.tenants(Set.of("shop")),
            Scope.tenants(Set.of("search", "payments")),
            Scope.tenants(Set.of("nobody")));
    for (List<LabelMatcher> matchers : selectors) {
      for (Scope scope : scopes) {
        int selected = store.select(scope, matchers, 0, 2000).size();
        long bound = store.seriesUpperBound(scope, matchers);
        assertThat(bound).as("%s in %s", matchers, scope).isGreaterThanOrEqualTo(selected);
        boolean equalityOnly =
            matchers.stream()
                .allMatch(m -> m.type() == LabelMatcher.Type.EQUAL && !m.matchesEmpty());
        if (equalityOnly && scope.isEverything()) {
          assertThat(bound).as("%s in %s", matchers, scope).isEqualTo(selected);
        }
      }
    }
    assertThat(store.seriesUpperBound(Scope.tenants(Set.of("shop")), selectors.get(0)))
        .isLessThan(store.seriesUpperBound(Scope.everything(), selectors.get(0)));
    assertThat(store.seriesUpperBound(Scope.everything(), selectors.get(4))).isZero();
    // Only the regex on code is tried against postings: once per distinct code (4).
    assertThat(store.labelValuesScanned(selectors.get(2))).isEqualTo(4);
    assertThat(store.labelValuesScanned(selectors.get(1))).isZero();
  }

  @Test
  void replayedAndOutOfOrderSamplesAreDroppedNotDuplicated() {
    int id = series("m", "shop", Set.of("shop"));
    assertThat(store.append(id, 1000, 1)).isTrue();
    assertThat(store.append(id, 2000, 2)).isTrue();
    assertThat(store.append(id, 2000, 2)).isFalse();
    assertThat(store.append(id, 1500, 9)).isFalse();
    SeriesData d =
        store
            .select(Scope.everything(), List.of(LabelMatcher.equal("__name__", "m")), 0, 5000)
            .get(0);
    assertThat(d.timestamps()).containsExactly(1000, 2000);
    assertThat(d.values()).containsExactly(1, 2);
    assertThat(store.duplicateCount()).isEqualTo(2);
  }

  @Test
  void appenderStoresExactlyWhatAppendByIdStores() {
    int byId = series("m", "shop", Set.of("shop"), "via", "id");
    int byHandle = series("m", "shop", Set.of("shop"), "via", "handle");
    MetricStore.Appender handle = store.appender(byHandle);
    assertThat(handle.id()).isEqualTo(byHandle);
    // Samples, a replay, an out-of-order sample, reset zeros before and after the last sample,
    // a stale marker and enough samples to seal chunks.
    long[] times = {1000, 2000, 2000, 1500, 3000, 4000};
    double[] values = {1, 2, 2, 9, Double.longBitsToDouble(0x7ff0000000000002L), 5};
    for (int i = 0; i < times.length; i++) {
      assertThat(handle.isDuplicate(times[i])).isEqualTo(store.isDuplicate(byId, times[i]));
      assertThat(handle.append(times[i], values[i]))
          .isEqualTo(store.append(byId, times[i], values[i]));
    }
    assertThat(handle.appendResetZero(3500)).isEqualTo(store.appendResetZero(byId, 3500));
    assertThat(handle.appendResetZero(4500)).isEqualTo(store.appendResetZero(byId, 4500)).isTrue();
    for (long t = 5000; t < 5000 + 300 * 15_000L; t += 15_000) {
      assertThat(handle.append(t, t % 7)).isEqualTo(store.append(byId, t, t % 7)).isTrue();
    }
    List<SeriesData> both =
        store.select(
            Scope.everything(), List.of(LabelMatcher.equal("__name__", "m")), 0, Long.MAX_VALUE);
    assertThat(both).hasSize(2);
    assertThat(both.get(0).timestamps()).isEqualTo(both.get(1).timestamps());
    assertThat(both.get(0).values()).isEqualTo(both.get(1).values());
    assertThat(both.get(0).size()).isEqualTo(305);
    assertThat(store.duplicateCount()).isEqualTo(4);
    assertThat(store.resetZeroCount()).isEqualTo(2);
  }

  @Test
  void internGivesOneCopyOfEachStringAndKeepsALabelSetThatHoldsThemAlready() {
    Labels first = store.intern(Labels.of("__name__", new String("up"), "job", new String("a")));
    Labels copy = Labels.of("__name__", new String("up"), "job", new String("a"));
    Labels interned = store.intern(copy);
    assertThat(interned).isEqualTo(copy).isNotSameAs(copy);
    for (int i = 0; i < copy.size(); i++) {
      assertThat(interned.name(i)).isSameAs(first.name(i));
      assertThat(interned.value(i)).isSameAs(first.value(i));
    }
    assertThat(store.intern(interned)).isSameAs(interned);
    assertThat(store.intern(first)).isSameAs(first);
  }

  @Test
  void timeRangeIsInclusiveAndEmptyRangesDropTheSeries() {
    int id = series("m", "shop", Set.of("shop"));
    for (long t = 1000; t <= 5000; t += 1000) {
      store.append(id, t, t / 1000.0);
    }
    List<LabelMatcher> m = List.of(LabelMatcher.equal("__name__", "m"));
    assertThat(store.select(Scope.everything(), m, 2000, 4000).get(0).timestamps())
        .containsExactly(2000, 3000, 4000);
    assertThat(store.select(Scope.everything(), m, 6000, 9000)).isEmpty();
  }

  @Test
  void matchersOnAbsentLabelsFollowPromqlEmptyValueRules() {
    store.append(series("m", "shop", Set.of("shop"), "code", "500"), 1000, 1);
    store.append(series("m", "shop", Set.of("shop")), 1000, 1);
    Scope s = Scope.everything();
    assertThat(
            store.select(
                s,
                List.of(LabelMatcher.equal("__name__", "m"), LabelMatcher.equal("code", "")),
                0,
                2000))
        .hasSize(1);
    assertThat(
            store.select(
                s,
                List.of(
                    LabelMatcher.equal("__name__", "m"),
                    LabelMatcher.of("code", LabelMatcher.Type.NOT_EQUAL, "500")),
                0,
                2000))
        .hasSize(1);
    assertThat(
            store.select(
                s,
                List.of(
                    LabelMatcher.equal("__name__", "m"),
                    LabelMatcher.of("code", LabelMatcher.Type.REGEX, "5..")),
                0,
                2000))
        .hasSize(1);
  }

  @Test
  void readWithoutScopeIsRefused() {
    assertThatThrownBy(() -> store.select(null, List.of(), 0, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a store read needs a scope");
  }

  @Test
  void visibilityGrantedLaterIsAddedToAnExistingSeries() {
    int id = series("m", "shop", Set.of("shop"));
    store.append(id, 1000, 1);
    int again = series("m", "shop", Set.of("shop", "search"));
    assertThat(again).isEqualTo(id);
    assertThat(
            store.select(
                Scope.tenants(Set.of("search")),
                List.of(LabelMatcher.equal("__name__", "m")),
                0,
                2000))
        .hasSize(1);
  }

  @Test
  void samplesAcrossManyCompressedChunksReadBackExactlyIncludingStaleMarkers() {
    int id = series("m", "shop", Set.of("shop"));
    double stale = Double.longBitsToDouble(0x7ff0000000000002L);
    int n = 1000;
    for (int i = 0; i < n; i++) {
      long t = 1_000_000L + i * 15_000L + (i % 7); // irregular spacing
      double v = i == 500 ? stale : i * 1.5 - (i > 700 ? 1000 : 0); // a stale marker and a reset
      assertThat(store.append(id, t, v)).isTrue();
    }
    List<LabelMatcher> m = List.of(LabelMatcher.equal("__name__", "m"));
    SeriesData all = store.select(Scope.everything(), m, 0, Long.MAX_VALUE).get(0);
    assertThat(all.size()).isEqualTo(n);
    for (int i = 0; i < n; i++) {
      assertThat(all.timestamps()[i]).isEqualTo(1_000_000L + i * 15_000L + (i % 7));
      double expected = i == 500 ? stale : i * 1.5 - (i > 700 ? 1000 : 0);
      assertThat(Double.doubleToRawLongBits(all.values()[i]))
          .isEqualTo(Double.doubleToRawLongBits(expected));
    }
    // A range inside the eighth chunk and across the sealed/open boundary.
    long from = 1_000_000L + 130 * 15_000L;
    long to = 1_000_000L + 990 * 15_000L;
    SeriesData part = store.select(Scope.everything(), m, from, to).get(0);
    assertThat(part.timestamps()[0]).isEqualTo(1_000_000L + 130 * 15_000L + (130 % 7));
    assertThat(part.timestamps()[part.size() - 1])
        .isEqualTo(1_000_000L + 989 * 15_000L + (989 % 7));
    assertThat(part.size()).isEqualTo(989 - 130 + 1);
  }
}
