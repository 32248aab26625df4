package io.meshlens.store.logs;

import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Moves access logs stored in the earlier table layout, which kept each raw line in a {@code raw}
 * column, into the current one (lines in {@link LineChunks}, a {@code response_code_details}
 * column). Opening a store sets the earlier tables aside, renamed {@code access_logs_v1...}, then
 * moves their rows in batches through the store's own append (which skips what is stored already,
 * so a move cut short by a crash resumes where it was) and drops each table once it is empty of
 * work.
 */
final class LegacyLayout {

  private static final Logger LOG = Logger.getLogger(LegacyLayout.class);

  private static final String INFIX = "_v1";

  private static final int BATCH = 10_000;

  /** How the store takes a batch of moved entries. */
  interface Sink {
    void append(List<StoredLog> logs, Map<String, Long> kafkaOffsets) throws SQLException;
  }

  private LegacyLayout() {}

  /**
   * Renames every table of view {@code name} that has the earlier layout to {@code <name>_v1...}
   * and drops the earlier template and view, before the current layout's tables are opened.
   *
   * @return the tables to {@link #move}, set aside now or by an earlier, unfinished opening
   */
  static List<String> setAside(Statement s, String name) throws SQLException {
    List<String> earlier = new ArrayList<>();
    try (ResultSet r =
        s.executeQuery(
            "SELECT DISTINCT c.table_name FROM duckdb_columns() c JOIN duckdb_tables() t"
                + " USING (schema_name, table_name) WHERE c.column_name = 'raw'"
                + " AND (c.table_name = '"
                + name
                + "' OR c.table_name LIKE '"
                + name
                + "\\_%' ESCAPE '\\') ORDER BY 1")) {
      while (r.next()) {
        earlier.add(r.getString(1));
      }
    }
    if (earlier.isEmpty()) {
      return earlier;
    }
    s.execute("DROP VIEW IF EXISTS " + name);
    List<String> out = new ArrayList<>();
    for (String t : earlier) {
      if (t.equals(name + "_template")) {
        s.execute("DROP TABLE " + t);
      } else if (t.startsWith(name + INFIX)) {
        out.add(t);
      } else {
        // access_logs_d20148 -> access_logs_v1_d20148: out of the day tables' name pattern.
        String aside = name + INFIX + t.substring(name.length());
        s.execute("ALTER TABLE " + t + " RENAME TO " + aside);
        out.add(aside);
      }
    }
    LOG.infof("access log tables of the earlier layout to move: %s", out);
    return out;
  }

  /** Moves the rows of {@code table} into {@code sink}, then drops the table. */
  static void move(Connection writer, String table, Sink sink) throws SQLException {
    AccessLogDecoder decoder = new AccessLogDecoder();
    long moved = 0;
    // Read on a connection of its own: the sink commits on the writer while this reads.
    try (Connection c = ((org.duckdb.DuckDBConnection) writer).duplicate();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT tenant, cluster, namespace, pod, workload, start_ms, method, path,"
                    + " authority, response_code, response_flags, duration_ms, bytes_sent,"
                    + " bytes_received, upstream_cluster, request_id, trace_id, direction, raw"
                    + " FROM "
                    + table)) {
      List<StoredLog> batch = new ArrayList<>(BATCH);
      while (r.next()) {
        String raw = r.getString(19);
        batch.add(
            new StoredLog(
                r.getString(1),
                r.getString(2),
                r.getString(3),
                r.getString(4),
                r.getString(5),
                r.getLong(6),
                r.getString(7),
                r.getString(8),
                r.getString(9),
                r.getInt(10),
                r.getString(11),
                details(decoder, raw),
                r.getLong(12),
                r.getLong(13),
                r.getLong(14),
                r.getString(15),
                r.getString(16),
                r.getString(17),
                r.getString(18),
                raw));
        if (batch.size() == BATCH) {
          sink.append(batch, Map.of());
          moved += batch.size();
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        sink.append(batch, Map.of());
        moved += batch.size();
      }
    }
    try (Statement s = writer.createStatement()) {
      s.execute("DROP TABLE " + table);
    }
    writer.commit();
    LOG.infof("moved %d access log entries out of %s", moved, table);
  }

  /**
   * The response code details of a line stored before they had a column of their own, decoded again
   * from the line; {@code ""} where it does not decode (it did when it was stored, but the store
   * does not keep how: a line may have come as an OTLP log record's body).
   */
  private static String details(AccessLogDecoder decoder, String raw) {
    try {
      List<AccessLogRecord> r = decoder.decode(raw.getBytes(StandardCharsets.UTF_8), "").value();
      if (r != null && r.size() == 1 && r.get(0).responseCodeDetails() != null) {
        return r.get(0).responseCodeDetails();
      }
    } catch (RuntimeException e) {
      // Not decodable on its own: no details.
    }
    return "";
  }
}
