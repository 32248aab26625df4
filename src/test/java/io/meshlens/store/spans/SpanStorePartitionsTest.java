package io.meshlens.store.spans;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.store.Scope;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spans live in one table per UTC day behind the view {@code spans}; retention drops tables. */
class SpanStorePartitionsTest {

  private static final long DAY = SpanStore.DAY_MICROS;
  private static final long D0 = 20_400 * DAY; // 2025-11-08, midnight UTC

  @TempDir Path dir;

  private static StoredSpan span(String traceId, long startMicros, String tenant) {
    return new StoredSpan(
        traceId,
        "00000000000000a1",
        "",
        tenant,
        tenant + "-api",
        "GET /",
        "server",
        startMicros,
        1_000,
        "unset",
        "{}",
        "east-1",
        tenant,
        false);
  }

  private List<String> tables() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c =
            new DuckDBDriver()
                .connect("jdbc:duckdb:" + dir.resolve("spans.duckdb"), new Properties());
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'spans%' ORDER BY 1")) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }

  @Test
  void eachDayIsATableAndRetentionDropsWholeTables() throws Exception {
    try (SpanStore store = new SpanStore(dir)) {
      List<StoredSpan> batch = new ArrayList<>();
      for (int d = 0; d < 3; d++) {
        for (int i = 0; i < 4; i++) {
          batch.add(span(String.format("%030d%02d", d, i), D0 + d * DAY + i * 1_000_000L, "shop"));
        }
      }
      store.append(batch, Map.of("otlp_spans/0", 12L));
      // The same batch again (a replay): nothing is stored twice.
      store.append(batch, Map.of("otlp_spans/0", 12L));
      assertThat(store.count(Scope.tenants(Set.of("shop")))).isEqualTo(12);
      assertThat(store.trace(Scope.everything(), String.format("%030d%02d", 2, 3))).hasSize(1);
    }
    long d0 = D0 / DAY;
    assertThat(tables())
        .containsExactly(
            "spans_d" + d0, "spans_d" + (d0 + 1), "spans_d" + (d0 + 2), "spans_template");
    try (SpanStore store = new SpanStore(dir)) {
      assertThat(store.count(Scope.everything())).isEqualTo(12);
      assertThat(store.dropBefore(D0 + 2 * DAY + 5)).isEqualTo(2);
      assertThat(store.count(Scope.everything())).isEqualTo(4);
      assertThat(store.offsets()).containsEntry("otlp_spans/0", 12L);
    }
    assertThat(tables()).containsExactly("spans_d" + (d0 + 2), "spans_template");
  }

  @Test
  void aStoreOfTheSingleTableLayoutIsAdoptedAndAgesOutByDay() throws Exception {
    try (Connection c =
            new DuckDBDriver()
                .connect("jdbc:duckdb:" + dir.resolve("spans.duckdb"), new Properties());
        Statement s = c.createStatement()) {
      s.execute(
          """
          CREATE TABLE spans (
            trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL, parent_span_id VARCHAR NOT NULL,
            tenant VARCHAR NOT NULL, service VARCHAR NOT NULL, operation VARCHAR NOT NULL,
            kind VARCHAR NOT NULL, start_micros BIGINT NOT NULL, duration_micros BIGINT NOT NULL,
            status VARCHAR NOT NULL, attributes JSON NOT NULL, cluster VARCHAR NOT NULL,
            namespace VARCHAR NOT NULL, day INTEGER NOT NULL, PRIMARY KEY (trace_id, span_id))""");
      s.execute(
          "INSERT INTO spans VALUES ('"
              + "1".repeat(32)
              + "', 'a1', '', 'shop', 'cart', 'GET /', 'server', "
              + D0
              + ", 5, 'unset', '{}', 'east-1', 'shop', "
              + D0 / DAY
              + ")");
    }
    try (SpanStore store = new SpanStore(dir)) {
      store.append(List.of(span("2".repeat(32), D0 + DAY, "shop")), Map.of());
      assertThat(store.count(Scope.tenants(Set.of("shop")))).isEqualTo(2);
      assertThat(store.trace(Scope.tenants(Set.of("shop")), "1".repeat(32))).hasSize(1);
      store.dropBefore(D0 + DAY);
      assertThat(store.count(Scope.everything())).isEqualTo(1);
      assertThat(store.trace(Scope.everything(), "1".repeat(32))).isEmpty();
    }
  }

  @Test
  void aTenantWithAShorterRetentionLosesItsOwnRowsOfTheKeptDays() throws Exception {
    try (SpanStore store = new SpanStore(dir)) {
      List<StoredSpan> batch = new ArrayList<>();
      for (int d = 0; d < 3; d++) {
        batch.add(span(String.format("%030d%02d", d, 1), D0 + d * DAY, "shop"));
        batch.add(span(String.format("%030d%02d", d, 2), D0 + d * DAY, "search"));
      }
      store.append(batch, Map.of());
      // search keeps one day: its rows of the two older days go, shop's stay.
      assertThat(store.dropTenantBefore("search", D0 + 2 * DAY + 1)).isEqualTo(2);
      assertThat(store.count(Scope.tenants(Set.of("search")))).isEqualTo(1);
      assertThat(store.count(Scope.tenants(Set.of("shop")))).isEqualTo(3);
    }
  }
}
