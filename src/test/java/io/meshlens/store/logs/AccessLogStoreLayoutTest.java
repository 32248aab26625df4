package io.meshlens.store.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import io.meshlens.store.Scope;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store written in the earlier layout, with each raw line in a DuckDB column, opens with its
 * entries moved to the current one: lines in line files, response code details in their column.
 */
class AccessLogStoreLayoutTest {

  @TempDir Path dir;

  /** The day tables' columns of the earlier layout. */
  private static final String EARLIER_FIELDS =
      """
      tenant VARCHAR NOT NULL, cluster VARCHAR NOT NULL, namespace VARCHAR NOT NULL,
      pod VARCHAR NOT NULL, workload VARCHAR NOT NULL, start_ms BIGINT NOT NULL,
      method VARCHAR NOT NULL, path VARCHAR NOT NULL, authority VARCHAR NOT NULL,
      response_code INTEGER NOT NULL CHECK (response_code BETWEEN 0 AND 999),
      response_flags VARCHAR NOT NULL, duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
      bytes_sent BIGINT NOT NULL CHECK (bytes_sent >= 0),
      bytes_received BIGINT NOT NULL CHECK (bytes_received >= 0),
      upstream_cluster VARCHAR NOT NULL, request_id VARCHAR NOT NULL,
      trace_id VARCHAR NOT NULL, direction VARCHAR NOT NULL, raw VARCHAR NOT NULL,
      line_hash BIGINT NOT NULL""";

  /** The real JSON access log lines, decoded, as the shop tenant's entries. */
  private static List<StoredLog> realEntries() {
    List<StoredLog> out = new ArrayList<>();
    AccessLogDecoder decoder = new AccessLogDecoder();
    for (String line :
        RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().toList()) {
      for (AccessLogRecord r :
          decoder.decode(line.getBytes(StandardCharsets.UTF_8), "east-1").value()) {
        out.add(StoredLog.of(r, "shop", ""));
      }
    }
    assertThat(out).hasSizeGreaterThanOrEqualTo(3);
    return out;
  }

  /** Writes {@code entries} into day tables of the earlier layout, with its template and view. */
  private void writeEarlierLayout(List<StoredLog> entries, String suffix) throws SQLException {
    try (Connection c =
            DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("access_logs.duckdb"));
        Statement s = c.createStatement()) {
      String columns =
          EARLIER_FIELDS
              + ", day INTEGER NOT NULL,"
              + " PRIMARY KEY (request_id, pod, direction, start_ms, line_hash)";
      if (suffix.isEmpty()) {
        s.execute("CREATE TABLE access_logs_template (" + columns + ")");
      }
      List<Long> days = new ArrayList<>();
      for (StoredLog l : entries) {
        long day = Math.floorDiv(l.startTimeMs(), AccessLogStore.DAY_MS);
        String table = "access_logs" + suffix + "_d" + day;
        if (!days.contains(day)) {
          days.add(day);
          s.execute("CREATE TABLE " + table + " (" + columns + ")");
        }
        try (PreparedStatement p =
            c.prepareStatement(
                "INSERT INTO "
                    + table
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    + " ?, ?, ?, ?, ?)")) {
          Object[] v = {
            l.tenant(),
            l.cluster(),
            l.namespace(),
            l.pod(),
            l.workload(),
            l.startTimeMs(),
            l.method(),
            l.path(),
            l.authority(),
            l.responseCode(),
            l.responseFlags(),
            l.durationMs(),
            l.bytesSent(),
            l.bytesReceived(),
            l.upstreamCluster(),
            l.requestId(),
            l.traceId(),
            l.direction(),
            l.raw(),
            l.lineHash(),
            day
          };
          for (int i = 0; i < v.length; i++) {
            p.setObject(i + 1, v[i]);
          }
          p.execute();
        }
      }
      if (suffix.isEmpty()) {
        s.execute(
            "CREATE OR REPLACE VIEW access_logs AS SELECT * FROM access_logs_d" + days.get(0));
      }
    }
  }

  private static List<StoredLog> everything(AccessLogStore store) throws SQLException {
    List<StoredLog> out = new ArrayList<>();
    store.scan(
        Scope.everything(), StreamSelection.between(0, Long.MAX_VALUE / 2), false, 100, out::add);
    return out;
  }

  private long tablesWithRawColumn() throws SQLException {
    try (Connection c =
            DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("access_logs.duckdb"));
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery("SELECT count(*) FROM duckdb_columns() WHERE column_name = 'raw'")) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void entriesOfTheEarlierLayoutAreMovedWithTheirLinesAndDetails() throws Exception {
    List<StoredLog> entries = realEntries();
    writeEarlierLayout(entries, "");
    try (AccessLogStore store = new AccessLogStore(dir)) {
      List<StoredLog> got = everything(store);
      assertThat(got).containsExactlyInAnyOrderElementsOf(entries);
      assertThat(got).extracting(StoredLog::responseCodeDetails).contains("via_upstream");
    }
    assertThat(tablesWithRawColumn()).isZero();
    // Opening again moves nothing twice.
    try (AccessLogStore store = new AccessLogStore(dir)) {
      assertThat(everything(store)).containsExactlyInAnyOrderElementsOf(entries);
    }
  }

  @Test
  void aMoveCutShortResumesWithoutStoringAnythingTwice() throws Exception {
    List<StoredLog> entries = realEntries();
    try (AccessLogStore store = new AccessLogStore(dir)) {
      store.append(entries.subList(0, 1), Map.of());
    }
    // As a crash would leave it: the earlier table set aside, its first entry moved already.
    writeEarlierLayout(entries, "_v1");
    try (AccessLogStore store = new AccessLogStore(dir)) {
      assertThat(everything(store)).containsExactlyInAnyOrderElementsOf(entries);
      assertThat(store.count(Scope.everything())).isEqualTo(entries.size());
    }
    assertThat(tablesWithRawColumn()).isZero();
  }
}
