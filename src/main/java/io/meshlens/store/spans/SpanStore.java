package io.meshlens.store.spans;

import io.meshlens.store.DayTables;
import io.meshlens.store.DuckDbSupport;
import io.meshlens.store.ReaderConnections;
import io.meshlens.store.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * Span storage in an embedded DuckDB database ({@code spans.duckdb} under the given directory):
 * lookup by trace id, Jaeger-style search, and the Kafka offsets the stored spans cover.
 *
 * <p>Why DuckDB: spans are wide, append-only rows read by column (service, duration, time), which a
 * columnar engine with a WAL does well without home-made file formats; see {@code
 * docs/storage-spike.md}. Durability follows DESIGN.md: Kafka is the write-ahead log and {@link
 * #append} stores the spans and the offsets they cover in one transaction, so after a crash the
 * consumer resumes from {@link #offsets()} and a replayed span is ignored (key: trace id + span
 * id).
 *
 * <p>Concurrency: one writer connection guarded by a lock; every read runs on a read connection
 * duplicated from it and kept open between reads ({@link ReaderConnections}), and sees committed
 * data only. Every read takes a {@link Scope} and filters by it in SQL.
 */
public final class SpanStore implements AutoCloseable {

  /** Microseconds in a UTC day: the partition key is {@code floor(start / DAY_MICROS)}. */
  public static final long DAY_MICROS = 86_400_000_000L;

  private static final String DAY_EXPRESSION =
      "CAST(floor(start_micros / " + DAY_MICROS + ") AS INTEGER)";

  private static final String COLUMNS =
      "trace_id, span_id, parent_span_id, tenant, service, operation, kind, start_micros,"
          + " duration_micros, status, attributes, cluster, namespace";

  /** One table per UTC day behind the view {@code spans}; retention drops a day's table. */
  private final DayTables days =
      new DayTables(
          "spans",
          """
          trace_id VARCHAR NOT NULL,
          span_id VARCHAR NOT NULL,
          parent_span_id VARCHAR NOT NULL,
          tenant VARCHAR NOT NULL,
          service VARCHAR NOT NULL,
          operation VARCHAR NOT NULL,
          kind VARCHAR NOT NULL,
          start_micros BIGINT NOT NULL,
          duration_micros BIGINT NOT NULL,
          status VARCHAR NOT NULL,
          attributes JSON NOT NULL,
          cluster VARCHAR NOT NULL,
          namespace VARCHAR NOT NULL,
          day INTEGER NOT NULL,
          PRIMARY KEY (trace_id, span_id)""");

  private final DuckDBConnection writer;

  /** Read connections kept open between reads (see {@link ReaderConnections}). */
  private final ReaderConnections readers;

  private final ReentrantLock writeLock = new ReentrantLock();

  /** Whether {@link #append} tries the Appender straight into the day tables first. */
  private final boolean direct;

  /** Batches stored the fast way (see {@link #appendDirect}); for tests. */
  private long directBatches;

  /** Opens (creating when needed) the span database under {@code directory}. */
  public SpanStore(Path directory) throws SQLException {
    this(directory, true);
  }

  /**
   * @param direct false to store every batch the de-duplicating staging way only (the reference for
   *     tests that compare both ways)
   */
  SpanStore(Path directory, boolean direct) throws SQLException {
    this.direct = direct;
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    writer =
        (DuckDBConnection)
            new DuckDBDriver()
                .connect(
                    "jdbc:duckdb:" + directory.resolve("spans.duckdb"), new java.util.Properties());
    readers = new ReaderConnections(writer, ReaderConnections.KEPT);
    try (Statement s = writer.createStatement()) {
      DuckDbSupport.configureWriter(s);
      days.open(s);
      DuckDbSupport.createOffsetsTable(s);
      // Staging has no constraints so that the Appender never fails half-way; the checks (and the
      // de-duplication) happen in the one INSERT ... SELECT into spans.
      s.execute(
          """
          CREATE TEMP TABLE span_staging (
            trace_id VARCHAR, span_id VARCHAR, parent_span_id VARCHAR, tenant VARCHAR,
            service VARCHAR, operation VARCHAR, kind VARCHAR, start_micros BIGINT,
            duration_micros BIGINT, status VARCHAR, attributes VARCHAR, cluster VARCHAR,
            namespace VARCHAR)""");
    }
    writer.setAutoCommit(false);
  }

  /**
   * Stores {@code spans} and sets the given Kafka offsets ({@code "topic/partition"} -> next offset
   * to read) in one transaction: either both are stored or neither. A span whose trace id and span
   * id are already stored is skipped, so replaying a batch after a crash stores nothing twice.
   */
  public void append(List<StoredSpan> spans, Map<String, Long> kafkaOffsets) throws SQLException {
    try {
      appendRows(spans, kafkaOffsets);
    } catch (SQLException | RuntimeException e) {
      resyncDays();
      throw e;
    }
  }

  private void resyncDays() throws SQLException {
    days.resync(writer, writeLock);
  }

  private void appendRows(List<StoredSpan> spans, Map<String, Long> kafkaOffsets)
      throws SQLException {
    DuckDbSupport.appendWithOffsets(
        writer,
        writeLock,
        kafkaOffsets,
        direct ? c -> appendDirect(c, spans) : null,
        c -> {
          try (Statement s = c.createStatement()) {
            days.resync(s);
          }
        },
        "span_staging",
        a -> {
          for (StoredSpan sp : spans) {
            appendValues(a, sp).endRow();
          }
        },
        c ->
            days.insert(
                c,
                "span_staging",
                DAY_EXPRESSION,
                day ->
                    "SELECT trace_id, span_id, parent_span_id, tenant, service, operation, kind,"
                        + " start_micros, duration_micros, status, CAST(attributes AS JSON),"
                        + " cluster, namespace, "
                        + DAY_EXPRESSION
                        + " FROM span_staging WHERE "
                        + DAY_EXPRESSION
                        + " = "
                        + day
                        + " QUALIFY row_number() OVER (PARTITION BY trace_id, span_id) = 1"));
  }

  /** The staged columns of one span, in table order (the day column not included). */
  private static DuckDBAppender appendValues(DuckDBAppender a, StoredSpan sp) throws SQLException {
    return a.beginRow()
        .append(sp.traceId())
        .append(sp.spanId())
        .append(sp.parentSpanId())
        .append(sp.tenant())
        .append(sp.service())
        .append(sp.operation())
        .append(sp.kind())
        .append(sp.startMicros())
        .append(sp.durationMicros())
        .append(sp.status())
        .append(sp.attributesJson())
        .append(sp.cluster())
        .append(sp.namespace());
  }

  /**
   * Start times in {@code [0, 2^53)} microseconds (up to the year 2255): there the SQL {@link
   * #DAY_EXPRESSION}, whose division goes through a double, gives the day {@link Math#floorDiv}
   * gives, since the quotient's distance from an integer (at least 1 / DAY_MICROS) is more than
   * half a double's spacing there.
   */
  private static final long DIRECT_MAX_START_MICROS = 1L << 53;

  /**
   * The fast way for a batch that repeats nothing: the spans straight into their day tables through
   * the Appender, whose primary-key check fails the batch when a span is already stored or repeated
   * (then the staging way de-duplicates it). The staging way's {@code CAST(attributes AS JSON)}
   * keeps valid JSON text as it is and refuses anything else; so a batch goes this way only when
   * every span's attributes are a flat JSON object of strings ({@link JsonStrings#isObject}), and
   * only with start times in {@code [0, DIRECT_MAX_START_MICROS)}; any other batch goes the staging
   * way and fails or succeeds there exactly as before.
   */
  private boolean appendDirect(DuckDBConnection c, List<StoredSpan> spans) throws SQLException {
    TreeMap<Long, List<StoredSpan>> byDay = new TreeMap<>();
    long lastDay = Long.MIN_VALUE;
    List<StoredSpan> lastList = null;
    for (StoredSpan sp : spans) {
      long start = sp.startMicros();
      if (start < 0
          || start >= DIRECT_MAX_START_MICROS
          || !JsonStrings.isObject(sp.attributesJson())) {
        return false;
      }
      long day = start / DAY_MICROS;
      if (day != lastDay || lastList == null) {
        lastDay = day;
        lastList = byDay.computeIfAbsent(day, d -> new ArrayList<>());
      }
      lastList.add(sp);
    }
    try (Statement s = c.createStatement()) {
      days.ensure(s, byDay.keySet());
    }
    for (Map.Entry<Long, List<StoredSpan>> e : byDay.entrySet()) {
      int day = Math.toIntExact(e.getKey());
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, days.table(day))) {
        for (StoredSpan sp : e.getValue()) {
          appendValues(a, sp).append(day).endRow();
        }
        // close() alone drops the rows of a failed flush without a word (DuckDB JDBC 1.4.1).
        a.flush();
      }
    }
    directBatches++;
    return true;
  }

  /** Batches stored straight into the day tables so far. */
  long directBatches() {
    writeLock.lock();
    try {
      return directBatches;
    } finally {
      writeLock.unlock();
    }
  }

  /** The stored Kafka offsets: {@code "topic/partition"} -> next offset to read. */
  public Map<String, Long> offsets() throws SQLException {
    try (Connection c = readers.get()) {
      return DuckDbSupport.readOffsets(c);
    }
  }

  /**
   * Every span of a trace, in start order, when at least one of them is visible in {@code scope};
   * else an empty list. Spans outside the scope are returned marked {@link StoredSpan#foreign} so
   * that the caller can show them in place with their attributes removed.
   */
  public List<StoredSpan> trace(Scope scope, String traceId) throws SQLException {
    List<Object> params = new ArrayList<>();
    params.add(traceId);
    params.add(traceId);
    String visible = DuckDbSupport.scopeClause(scope, "v.tenant", params);
    String sql =
        "SELECT "
            + COLUMNS
            + " FROM spans WHERE trace_id = ? AND EXISTS (SELECT 1 FROM spans v"
            + " WHERE v.trace_id = ? AND "
            + visible
            + ") ORDER BY start_micros, span_id";
    List<StoredSpan> out = new ArrayList<>();
    try (Connection c = readers.get();
        PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
        ResultSet r = p.executeQuery()) {
      while (r.next()) {
        StoredSpan s = span(r, 1);
        out.add(s.withForeign(!scope.allows(s.tenant())));
      }
    }
    return out;
  }

  /** Services with at least one span visible in {@code scope}, sorted. */
  public List<String> services(Scope scope) throws SQLException {
    List<Object> params = new ArrayList<>();
    String sql =
        "SELECT DISTINCT service FROM spans WHERE "
            + DuckDbSupport.scopeClause(scope, "tenant", params)
            + " ORDER BY 1";
    return strings(sql, params);
  }

  /** Operation names of {@code service} among the spans visible in {@code scope}, sorted. */
  public List<String> operations(Scope scope, String service) throws SQLException {
    List<Object> params = new ArrayList<>();
    params.add(service);
    String sql =
        "SELECT DISTINCT operation FROM spans WHERE service = ? AND "
            + DuckDbSupport.scopeClause(scope, "tenant", params)
            + " ORDER BY 1";
    return strings(sql, params);
  }

  /**
   * Traces with at least one span visible in {@code scope} that matches {@code q}, newest first (by
   * trace start, ties by trace id), at most {@code q.limit()}. A summary's duration and first span
   * are over all spans of the trace, as {@link #trace} returns them.
   */
  public List<TraceSummary> search(Scope scope, SpanQuery q) throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder where = new StringBuilder(DuckDbSupport.scopeClause(scope, "tenant", params));
    if (q.service() != null && !q.service().isEmpty()) {
      where.append(" AND service = ?");
      params.add(q.service());
    }
    if (q.operation() != null && !q.operation().isEmpty()) {
      where.append(" AND operation = ?");
      params.add(q.operation());
    }
    if (q.status() != null && !q.status().isEmpty()) {
      where.append(" AND status = ?");
      params.add(q.status());
    }
    if (q.minDurationMicros() > 0) {
      where.append(" AND duration_micros >= ?");
      params.add(q.minDurationMicros());
    }
    if (q.maxDurationMicros() > 0) {
      where.append(" AND duration_micros <= ?");
      params.add(q.maxDurationMicros());
    }
    if (q.startMicros() > 0) {
      // The day bound lets DuckDB skip row groups by their min/max before reading start_micros.
      where.append(" AND day >= ? AND start_micros >= ?");
      params.add(Math.floorDiv(q.startMicros(), DAY_MICROS));
      params.add(q.startMicros());
    }
    if (q.endMicros() > 0) {
      where.append(" AND day <= ? AND start_micros <= ?");
      params.add(Math.floorDiv(q.endMicros(), DAY_MICROS));
      params.add(q.endMicros());
    }
    for (Map.Entry<String, String> tag : q.tags().entrySet()) {
      // A JSON Pointer, so that keys with dots (http.status_code) need no quoting.
      where.append(" AND json_extract_string(attributes, ?) = ?");
      params.add("/" + tag.getKey().replace("~", "~0").replace("/", "~1"));
      params.add(tag.getValue());
    }
    params.add(q.limit());
    String sql =
        "WITH hits AS (SELECT DISTINCT trace_id FROM spans WHERE "
            + where
            + "), t AS (SELECT "
            + COLUMNS
            + ", min(start_micros) OVER w AS t0,"
            + " max(start_micros + duration_micros) OVER w AS t1, count(*) OVER w AS n,"
            + " row_number() OVER (PARTITION BY trace_id"
            + " ORDER BY parent_span_id <> '', start_micros, span_id) AS rn"
            + " FROM spans WHERE trace_id IN (SELECT trace_id FROM hits)"
            + " WINDOW w AS (PARTITION BY trace_id))"
            + " SELECT "
            + COLUMNS
            + ", t0, t1, n FROM t WHERE rn = 1 ORDER BY t0 DESC, trace_id LIMIT ?";
    List<TraceSummary> out = new ArrayList<>();
    try (Connection c = readers.get();
        PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
        ResultSet r = p.executeQuery()) {
      while (r.next()) {
        StoredSpan first = span(r, 1);
        first = first.withForeign(!scope.allows(first.tenant()));
        long t0 = r.getLong(14);
        out.add(new TraceSummary(first.traceId(), first, t0, r.getLong(15) - t0, r.getInt(16)));
      }
    }
    return out;
  }

  /**
   * Drops, whole, every UTC day of spans before the day of {@code epochMicros} (one table each).
   *
   * @return the number of days dropped
   */
  public int dropBefore(long epochMicros) throws SQLException {
    return days.dropBefore(writer, writeLock, Math.floorDiv(epochMicros, DAY_MICROS));
  }

  /**
   * Deletes {@code tenant}'s rows of the UTC days before the day of {@code epochMicros}: a tenant
   * retention shorter than the store's, whose whole days {@link #dropBefore} drops.
   *
   * @return the number of rows deleted
   */
  public long dropTenantBefore(String tenant, long epochMicros) throws SQLException {
    return days.deleteTenantBefore(
        writer, writeLock, Math.floorDiv(epochMicros, DAY_MICROS), tenant);
  }

  /** Number of spans visible in {@code scope}: for usage views and tests. */
  public long count(Scope scope) throws SQLException {
    List<Object> params = new ArrayList<>();
    String sql =
        "SELECT count(*) FROM spans WHERE " + DuckDbSupport.scopeClause(scope, "tenant", params);
    try (Connection c = readers.get();
        PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
        ResultSet r = p.executeQuery()) {
      r.next();
      return r.getLong(1);
    }
  }

  @Override
  public void close() throws SQLException {
    try {
      readers.close();
    } finally {
      DuckDbSupport.closeUnder(writer, writeLock);
    }
  }

  private List<String> strings(String sql, List<Object> params) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = readers.get();
        PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
        ResultSet r = p.executeQuery()) {
      while (r.next()) {
        out.add(r.getString(1));
      }
    }
    return out;
  }

  private static StoredSpan span(ResultSet r, int from) throws SQLException {
    return new StoredSpan(
        r.getString(from),
        r.getString(from + 1),
        r.getString(from + 2),
        r.getString(from + 3),
        r.getString(from + 4),
        r.getString(from + 5),
        r.getString(from + 6),
        r.getLong(from + 7),
        r.getLong(from + 8),
        r.getString(from + 9),
        r.getString(from + 10),
        r.getString(from + 11),
        r.getString(from + 12),
        false);
  }
}
