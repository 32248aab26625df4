package io.meshlens.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.model.Labels;
import io.meshlens.tenancy.AttributedSeries;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricStoreDurabilityTest {

  private static final long DAY = 86_400_000L;
  private static final long T0 = 20_000 * DAY; // 2024-10-04, midnight UTC

  @TempDir Path dir;

  private static AttributedSeries series(String name, String tenant, Set<String> visible) {
    return new AttributedSeries(
        Labels.of("__name__", name, "tenant", tenant, "pod", "p-" + name), tenant, "c1", visible);
  }

  private static List<LabelMatcher> named(String name) {
    return List.of(LabelMatcher.equal("__name__", name));
  }

  @Test
  void checkpointedDataAndOffsetsSurviveAReopenAndLaterDataDoesNot() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      int a = store.seriesId(series("a", "shop", Set.of("shop")));
      int b = store.seriesId(series("b", "shop", Set.of("shop", "payments")));
      for (int i = 0; i < 300; i++) { // 300 samples: two sealed chunks and an open one
        store.append(a, T0 + i * 15_000L, i);
        store.append(b, T0 + i * 15_000L, 2.0 * i);
      }
      store.checkpoint(Map.of("otlp_metrics/0", 300L));
      // Not checkpointed: as after a crash, this must be gone and Kafka replays it.
      int c = store.seriesId(series("c", "search", Set.of("search")));
      store.append(c, T0, 1);
      store.append(a, T0 + 300 * 15_000L, 300);
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(store.persistedOffsets()).containsExactly(Map.entry("otlp_metrics/0", 300L));
      assertThat(store.seriesCount()).isEqualTo(2);
      List<SeriesData> a =
          store.select(Scope.tenants(Set.of("shop")), named("a"), 0, Long.MAX_VALUE);
      assertThat(a).hasSize(1);
      assertThat(a.get(0).size()).isEqualTo(300);
      for (int i = 0; i < 300; i++) {
        assertThat(a.get(0).timestamps()[i]).isEqualTo(T0 + i * 15_000L);
        assertThat(a.get(0).values()[i]).isEqualTo(i);
      }
      // Visibility came back: payments sees b, not a; search sees nothing (c was not persisted).
      assertThat(store.select(Scope.tenants(Set.of("payments")), named("b"), 0, Long.MAX_VALUE))
          .hasSize(1);
      assertThat(store.select(Scope.tenants(Set.of("payments")), named("a"), 0, Long.MAX_VALUE))
          .isEmpty();
      assertThat(store.select(Scope.everything(), named("c"), 0, Long.MAX_VALUE)).isEmpty();
      // The replay: everything up to the last stored sample is a duplicate, the rest is new.
      int id = store.seriesId(series("a", "shop", Set.of("shop")));
      assertThat(store.append(id, T0 + 299 * 15_000L, 299)).isFalse();
      assertThat(store.append(id, T0 + 300 * 15_000L, 300)).isTrue();
      assertThat(store.lastSample(id)[0]).isEqualTo(T0 + 300 * 15_000L);
      int c = store.seriesId(series("c", "search", Set.of("search")));
      assertThat(c).isEqualTo(2);
      assertThat(store.append(c, T0, 1)).isTrue();
      store.checkpoint(Map.of("otlp_metrics/0", 302L));
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(store.select(Scope.tenants(Set.of("search")), named("c"), 0, Long.MAX_VALUE))
          .hasSize(1);
      assertThat(store.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(301);
      assertThat(store.persistedOffsets()).containsEntry("otlp_metrics/0", 302L);
    }
  }

  @Test
  void chunksOlderThanTheHeadWindowLeaveTheHeapAndAreReadBackFromDisk() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ofMinutes(30))) {
      int a = store.seriesId(series("a", "shop", Set.of("shop")));
      int n = 6 * 240; // 6 h at 15 s, across midnight
      long start = T0 - 3 * 3_600_000L;
      for (int i = 0; i < n; i++) {
        store.append(a, start + i * 15_000L, i);
        if (i % 100 == 99) {
          store.checkpoint(Map.of("m/0", (long) i + 1));
        }
      }
      store.checkpoint(Map.of("m/0", (long) n));
      assertThat(store.evictedChunkCount()).isGreaterThan(8);
      // Every window, old (disk only), recent (memory) and across both, reads every sample once.
      long[][] windows = {
        {start, start + n * 15_000L},
        {start + 600_000, start + 3_600_000},
        {T0 - 60_000, T0 + 60_000},
        {start + (n - 200) * 15_000L, start + n * 15_000L}
      };
      for (long[] w : windows) {
        SeriesData d = store.select(Scope.tenants(Set.of("shop")), named("a"), w[0], w[1]).get(0);
        long first = Math.max(0, (w[0] - start + 14_999) / 15_000);
        long last = Math.min(n - 1, (w[1] - start) / 15_000);
        assertThat(d.size()).as("window %s..%s", w[0], w[1]).isEqualTo(last - first + 1);
        for (int i = 0; i < d.size(); i++) {
          assertThat(d.values()[i]).isEqualTo(first + i);
          assertThat(d.timestamps()[i]).isEqualTo(start + (first + i) * 15_000L);
        }
      }
    }
    // After a restart the head window is back on the heap: recent reads need no disk; older
    // ones read the same samples from disk as before.
    try (MetricStore store = MetricStore.open(dir, Duration.ofMinutes(30))) {
      store.headWindowLoaded().get(30, java.util.concurrent.TimeUnit.SECONDS);
      long end = T0 - 3 * 3_600_000L + (6 * 240 - 1) * 15_000L;
      SeriesData recent =
          store.select(Scope.everything(), named("a"), end - 20 * 60_000, end).get(0);
      assertThat(recent.size()).isEqualTo(81);
      assertThat(store.diskChunkReadCount()).isZero();
      SeriesData d = store.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0);
      assertThat(store.diskChunkReadCount()).isPositive();
      assertThat(d.size()).isEqualTo(6 * 240);
      assertThat(d.values()[1439]).isEqualTo(1439);
      assertThat(store.select(Scope.tenants(Set.of("payments")), named("a"), 0, Long.MAX_VALUE))
          .isEmpty();
    }
  }

  @Test
  void retentionDropsWholeDaysOnly() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ZERO)) {
      int a = store.seriesId(series("a", "shop", Set.of("shop")));
      for (int day = 0; day < 3; day++) {
        for (int i = 0; i < 120; i++) {
          store.append(a, T0 + day * DAY + i * 15_000L, day * 1000 + i);
        }
      }
      store.append(a, T0 + 3 * DAY, 3000);
      store.checkpoint(Map.of());
      // Cut-off in the middle of day 1: day 0 goes, day 1 stays whole.
      assertThat(store.dropBefore(T0 + DAY + DAY / 2)).isEqualTo(1);
      SeriesData d = store.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0);
      assertThat(d.size()).isEqualTo(241);
      assertThat(d.timestamps()[0]).isEqualTo(T0 + DAY);
      assertThat(store.dropBefore(T0 + DAY + DAY / 2)).isZero();
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ZERO)) {
      assertThat(store.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(241);
    }
  }

  @Test
  void aTenantWithAShorterRetentionLosesItsOwnChunksOfTheKeptDays() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ZERO)) {
      int shop = store.seriesId(series("a", "shop", Set.of("shop")));
      int search = store.seriesId(series("b", "search", Set.of("search")));
      for (int day = 0; day < 3; day++) {
        for (int i = 0; i < 120; i++) {
          store.append(shop, T0 + day * DAY + i * 15_000L, i);
          store.append(search, T0 + day * DAY + i * 15_000L, i);
        }
      }
      store.checkpoint(Map.of());
      assertThat(store.dropTenantBefore("search", T0 + 2 * DAY)).isEqualTo(2);
      assertThat(store.select(Scope.everything(), named("b"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(120);
      assertThat(store.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(360);
    }
  }

  @Test
  void onlySeriesWithRecentSamplesCountAsActive() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      int[] ids = new int[3];
      for (int i = 0; i < 3; i++) {
        ids[i] = store.seriesId(series("m" + i, "shop", Set.of("shop")));
        store.append(ids[i], T0, 1);
      }
      assertThat(store.seriesCountOf("shop")).isEqualTo(3);
      // Half an hour later only m0 still reports: the pods behind m1 and m2 are gone.
      store.append(ids[0], T0 + 30 * 60_000L, 2);
      store.checkpoint(Map.of());
      assertThat(store.seriesCountOf("shop")).isEqualTo(1);
      store.seriesId(series("m3", "shop", Set.of("shop")));
      assertThat(store.seriesCountOf("shop")).isEqualTo(2);
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(store.seriesCountOf("shop")).isEqualTo(1);
    }
  }

  @Test
  void aFailedCheckpointLeavesTheLastOneIntactAndTheNextWritesEverything() throws Exception {
    MetricStore store = MetricStore.open(dir, Duration.ofHours(2));
    int a = store.seriesId(series("a", "shop", Set.of("shop")));
    store.append(a, T0, 1);
    store.checkpoint(Map.of("m/0", 1L));
    store.append(a, T0 + 15_000, 2);
    store.close();
    // The database is closed under the store: the checkpoint fails and writes nothing.
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.checkpoint(Map.of("m/0", 2L)))
        .isInstanceOf(java.sql.SQLException.class);
    try (MetricStore reopened = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(reopened.persistedOffsets()).containsEntry("m/0", 1L);
      assertThat(reopened.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(1);
    }
    assertThat(Files.exists(dir.resolve("metrics.duckdb"))).isTrue();
  }

  /**
   * Each of the checkpoint's tables, pre-created with a CHECK that refuses one value the store
   * writes there, so that the Appender's flush of that table fails inside the checkpoint.
   */
  private static final Map<String, String> REFUSING_TABLES =
      Map.of(
          "symbols",
          "CREATE TABLE symbols (id INTEGER NOT NULL, value VARCHAR NOT NULL"
              + " CHECK (value <> 'p-b'))",
          "series_labels",
          "CREATE TABLE series_labels (id INTEGER NOT NULL CHECK (id <> 1),"
              + " labels BLOB NOT NULL)",
          "visibility",
          "CREATE TABLE visibility (id INTEGER NOT NULL,"
              + " tenant VARCHAR NOT NULL CHECK (tenant <> 'payments'))",
          "chunks",
          "CREATE TABLE chunks_d20000 (id INTEGER NOT NULL CHECK (id <> 1),"
              + " min_t BIGINT NOT NULL, max_t BIGINT NOT NULL, chunk BLOB NOT NULL)",
          "head",
          "CREATE TABLE head (id INTEGER NOT NULL CHECK (id <> 1), last_t BIGINT NOT NULL,"
              + " last_v DOUBLE NOT NULL, min_t BIGINT, chunk BLOB)");

  /**
   * A checkpoint whose rows a table refuses must fail and leave the offsets where they were:
   * DuckDB's Appender drops the rows of a failed flush silently when it is only closed, and the
   * checkpoint would then commit offsets past samples it never stored.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"symbols", "series_labels", "visibility", "chunks", "head"})
  void aCheckpointWhoseRowsATableRefusesFailsAndAdvancesNoOffset(String table) throws Exception {
    try (java.sql.Connection c =
            new org.duckdb.DuckDBDriver()
                .connect(
                    "jdbc:duckdb:" + dir.resolve("metrics.duckdb"), new java.util.Properties());
        java.sql.Statement s = c.createStatement()) {
      s.execute(REFUSING_TABLES.get(table));
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      int a = store.seriesId(series("a", "shop", Set.of("shop")));
      store.append(a, T0, 1);
      store.checkpoint(Map.of("m/0", 1L));
      int b = store.seriesId(series("b", "shop", Set.of("shop", "payments")));
      for (int i = 0; i < 200; i++) { // 200 samples: one sealed chunk and an open one
        store.append(b, T0 + i * 15_000L, i);
      }
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.checkpoint(Map.of("m/0", 2L)))
          .isInstanceOf(java.sql.SQLException.class)
          .hasMessageContaining("CHECK constraint");
      assertThat(store.persistedOffsets()).containsExactly(Map.entry("m/0", 1L));
    }
    try (MetricStore reopened = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(reopened.persistedOffsets()).containsExactly(Map.entry("m/0", 1L));
      assertThat(reopened.seriesCount()).isEqualTo(1);
      assertThat(reopened.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(1);
    }
  }

  @Test
  void aCheckpointWithNothingNewWritesNothingAndAnyChangeIsWritten() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      int a = store.seriesId(series("a", "shop", Set.of("shop")));
      store.append(a, T0, 1);
      store.checkpoint(Map.of("m/0", 1L));
      assertThat(store.checkpointCount()).isEqualTo(1);
      // Nothing new: the same offsets, no sample, series or grant.
      store.checkpoint(Map.of("m/0", 1L));
      store.checkpoint(Map.of());
      assertThat(store.checkpointCount()).isEqualTo(1);
      // A duplicate stores nothing: still nothing new.
      assertThat(store.append(a, T0, 1)).isFalse();
      store.checkpoint(Map.of("m/0", 1L));
      assertThat(store.checkpointCount()).isEqualTo(1);
      // New offsets alone (records that held no sample) are written.
      store.checkpoint(Map.of("m/0", 2L));
      assertThat(store.checkpointCount()).isEqualTo(2);
      // A sample, a series, a grant: each is written.
      store.append(a, T0 + 15_000, 2);
      store.checkpoint(Map.of("m/0", 2L));
      assertThat(store.checkpointCount()).isEqualTo(3);
      store.seriesId(series("b", "shop", Set.of("shop")));
      store.checkpoint(Map.of("m/0", 2L));
      assertThat(store.checkpointCount()).isEqualTo(4);
      store.seriesId(series("a", "shop", Set.of("shop", "payments")));
      store.checkpoint(Map.of("m/0", 2L));
      assertThat(store.checkpointCount()).isEqualTo(5);
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(store.persistedOffsets()).containsExactly(Map.entry("m/0", 2L));
      assertThat(store.seriesCount()).isEqualTo(2);
      assertThat(store.select(Scope.tenants(Set.of("payments")), named("a"), 0, Long.MAX_VALUE))
          .hasSize(1);
      assertThat(store.select(Scope.everything(), named("a"), 0, Long.MAX_VALUE).get(0).size())
          .isEqualTo(2);
    }
  }

  @Test
  void seriesWrittenWholeByTheFirstLayoutAreReadBackNextToSymbolEncodedOnes() throws Exception {
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      store.append(store.seriesId(series("a", "shop", Set.of("shop"))), T0, 1);
      store.checkpoint(Map.of());
    }
    Labels legacy = Labels.of("__name__", "b", "tenant", "shop", "pod", "p-b");
    try (java.sql.Connection c =
            new org.duckdb.DuckDBDriver()
                .connect(
                    "jdbc:duckdb:" + dir.resolve("metrics.duckdb"), new java.util.Properties());
        java.sql.PreparedStatement p = c.prepareStatement("INSERT INTO series VALUES (1, ?)")) {
      p.setBytes(1, LabelsCodec.encode(legacy));
      p.execute();
      c.createStatement().execute("INSERT INTO visibility VALUES (1, 'shop')");
      c.createStatement().execute("INSERT INTO head VALUES (1, " + T0 + ", 2.0, NULL, NULL)");
    }
    try (MetricStore store = MetricStore.open(dir, Duration.ofHours(2))) {
      assertThat(store.seriesCount()).isEqualTo(2);
      assertThat(
              store.series(Scope.tenants(Set.of("shop")), List.of(named("b")), 0, Long.MAX_VALUE))
          .containsExactly(legacy);
      assertThat(store.select(Scope.tenants(Set.of("shop")), named("a"), 0, Long.MAX_VALUE))
          .hasSize(1);
    }
  }

  @Test
  void labelSetsRoundTripThroughTheirEncodingWhateverTheyHold() {
    Labels l =
        Labels.of(
            "__name__", "x", "a", "", "b", "nul\u0000 é ∑ \uD83D\uDE00", "c", "x".repeat(300));
    assertThat(LabelsCodec.decode(LabelsCodec.encode(l))).isEqualTo(l);
    assertThat(LabelsCodec.decode(LabelsCodec.encode(Labels.EMPTY))).isEqualTo(Labels.EMPTY);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LabelsCodec.decode(new byte[] {2, 5, 'a'}))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
