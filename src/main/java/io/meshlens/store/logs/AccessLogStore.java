package io.meshlens.store.logs;

import io.meshlens.store.DayTables;
import io.meshlens.store.DuckDbSupport;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.ReaderConnections;
import io.meshlens.store.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;

/**
 * Access log storage in an embedded DuckDB database ({@code access_logs.duckdb} under the given
 * directory): search by time, stream labels, line content and parsed fields; counts by field over
 * time; and the Kafka offsets the stored entries cover.
 *
 * <p>Durability follows DESIGN.md: Kafka is the write-ahead log and {@link #append} stores the
 * entries and the offsets they cover in one transaction. An entry is identified by its content
 * (request id, pod, direction, start time and a hash of the line), not by its tenant, so a replay
 * after a crash stores nothing twice even if attribution changed in between.
 *
 * <p>Concurrency: one writer connection guarded by a lock; every read runs on a read connection
 * duplicated from it and kept open between reads ({@link ReaderConnections}). Every read takes a
 * {@link Scope} and filters by it in SQL.
 */
public final class AccessLogStore implements AutoCloseable {

  /** Milliseconds in a UTC day: the partition key is {@code floor(start / DAY_MS)}. */
  public static final long DAY_MS = 86_400_000L;

  private static final String DAY_EXPRESSION = "CAST(floor(start_ms / " + DAY_MS + ") AS INTEGER)";

  /** Fields {@link #countsBy} may group by; the names are columns, so nothing else is allowed. */
  public static final Set<String> COUNT_FIELDS =
      Set.of(
          "response_code",
          "response_flags",
          "method",
          "direction",
          "authority",
          "upstream_cluster",
          "tenant",
          "cluster",
          "namespace",
          "pod",
          "workload");

  /**
   * The labels of a log stream, as LogQL stream selectors and the Loki API see them: the proxy's
   * place (cluster, namespace, pod, workload), its tenant, and the traffic direction. An empty
   * value means the entry lacks the label.
   */
  public static final List<String> STREAM_LABELS =
      List.of("cluster", "direction", "namespace", "pod", "tenant", "workload");

  /** The columns {@link #row} reads, in its order: the entry's fields and its line's reference. */
  private static final String COLUMNS =
      "tenant, cluster, namespace, pod, workload, start_ms, method, path, authority,"
          + " response_code, response_flags, response_code_details, duration_ms, bytes_sent,"
          + " bytes_received, upstream_cluster, request_id, trace_id, direction, line_ref";

  /** Position of {@code line_ref} in {@link #COLUMNS}. */
  private static final int LINE_REF = 20;

  private final DuckDBConnection writer;

  /** The raw lines, outside DuckDB; each row holds its line's reference. */
  private final LineChunks lines;

  /** Read connections kept open between reads (see {@link ReaderConnections}). */
  private final ReaderConnections readers;

  /** One table per UTC day behind the view {@code access_logs}; retention drops a day's table. */
  private final DayTables days;

  private final ReentrantLock writeLock = new ReentrantLock();

  /** Whether {@link #append} tries the Appender straight into the day tables first. */
  private final boolean direct;

  /** Batches stored the fast way (see {@link #appendDirect}); for tests. */
  private long directBatches;

  /** Columns of every day table but its {@code day}, with their constraints (SQL). */
  public static final String FIELDS =
      """
      tenant VARCHAR NOT NULL, cluster VARCHAR NOT NULL, namespace VARCHAR NOT NULL,
      pod VARCHAR NOT NULL, workload VARCHAR NOT NULL, start_ms BIGINT NOT NULL,
      method VARCHAR NOT NULL, path VARCHAR NOT NULL, authority VARCHAR NOT NULL,
      response_code INTEGER NOT NULL CHECK (response_code BETWEEN 0 AND 999),
      response_flags VARCHAR NOT NULL, response_code_details VARCHAR NOT NULL,
      duration_ms BIGINT NOT NULL CHECK (duration_ms >= 0),
      bytes_sent BIGINT NOT NULL CHECK (bytes_sent >= 0),
      bytes_received BIGINT NOT NULL CHECK (bytes_received >= 0),
      upstream_cluster VARCHAR NOT NULL, request_id VARCHAR NOT NULL,
      trace_id VARCHAR NOT NULL, direction VARCHAR NOT NULL, line_ref BIGINT NOT NULL,
      line_bytes INTEGER NOT NULL CHECK (line_bytes >= 0), line_hash BIGINT NOT NULL""";

  /** Primary key of every day table (SQL): the identity of an access log entry. */
  public static final String PRIMARY_KEY =
      "PRIMARY KEY (request_id, pod, direction, start_ms, line_hash)";

  /** Opens (creating when needed) the log database under {@code directory}. */
  public AccessLogStore(Path directory) throws SQLException {
    this(directory, true);
  }

  /**
   * @param direct false to store every batch the de-duplicating staging way only (the reference for
   *     tests that compare both ways)
   */
  AccessLogStore(Path directory, boolean direct) throws SQLException {
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
                    "jdbc:duckdb:" + directory.resolve("access_logs.duckdb"),
                    new java.util.Properties());
    readers = new ReaderConnections(writer, ReaderConnections.KEPT);
    lines = new LineChunks(directory.resolve("lines"));
    List<String> earlier;
    try (Statement s = writer.createStatement()) {
      DuckDbSupport.configureWriter(s);
      earlier = LegacyLayout.setAside(s, "access_logs");
      days = new DayTables("access_logs", FIELDS + ", day INTEGER NOT NULL, " + PRIMARY_KEY);
      days.open(s);
      DuckDbSupport.createOffsetsTable(s);
      // Staging without constraints: the Appender never fails half-way; the checks and the
      // de-duplication happen in the one INSERT ... SELECT into access_logs.
      s.execute(
          "CREATE TEMP TABLE log_staging ("
              + FIELDS.replace(" NOT NULL", "").replaceAll("CHECK \\([^)]*\\)", "")
              + ")");
    }
    writer.setAutoCommit(false);
    for (String table : earlier) {
      LegacyLayout.move(writer, table, this::append);
    }
  }

  /**
   * Stores {@code logs} and sets the given Kafka offsets ({@code "topic/partition"} -> next offset
   * to read) in one transaction: either both are stored or neither. An entry already stored (same
   * request id, pod, direction, start time and line) is skipped, so a replay stores nothing twice.
   */
  public void append(List<StoredLog> logs, Map<String, Long> kafkaOffsets) throws SQLException {
    List<Entry> entries = new ArrayList<>(logs.size());
    for (StoredLog l : logs) {
      entries.add(Entry.of(l));
    }
    appendEntries(entries, kafkaOffsets);
  }

  /**
   * An entry to store with its {@link StoredLog#lineHash()} and its line in UTF-8, worked out
   * beforehand: the ingest path does both on the threads that decode, so that the thread that
   * stores does not.
   */
  public record Entry(StoredLog log, long lineHash, byte[] utf8) {
    public static Entry of(StoredLog log) {
      return new Entry(log, log.lineHash(), log.raw().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** {@link #append} of entries whose line hashes are worked out. */
  public void appendEntries(List<Entry> logs, Map<String, Long> kafkaOffsets) throws SQLException {
    try {
      appendRows(logs, kafkaOffsets);
    } catch (SQLException | RuntimeException e) {
      resyncDays();
      throw e;
    }
  }

  private void appendRows(List<Entry> logs, Map<String, Long> kafkaOffsets) throws SQLException {
    // Lines and rows under one hold of the lock, so that retention cannot drop a day's line files
    // between the lines and the rows that point at them.
    writeLock.lock();
    try {
      appendRowsLocked(logs, kafkaOffsets);
    } finally {
      writeLock.unlock();
    }
  }

  private void appendRowsLocked(List<Entry> logs, Map<String, Long> kafkaOffsets)
      throws SQLException {
    // The lines go to disk first: a row never points at a line that is not there.
    Lines stored = storeLines(logs);
    DuckDbSupport.appendWithOffsets(
        writer,
        writeLock,
        kafkaOffsets,
        direct ? c -> appendDirect(c, logs, stored) : null,
        c -> {
          try (Statement s = c.createStatement()) {
            days.resync(s);
          }
        },
        "log_staging",
        a -> {
          for (int i = 0; i < logs.size(); i++) {
            appendValues(a, logs.get(i), stored, i).endRow();
          }
        },
        c ->
            days.insert(
                c,
                "log_staging",
                DAY_EXPRESSION,
                day ->
                    "SELECT *, "
                        + DAY_EXPRESSION
                        + " FROM log_staging WHERE "
                        + DAY_EXPRESSION
                        + " = "
                        + day
                        + " QUALIFY row_number() OVER"
                        + " (PARTITION BY request_id, pod, direction, start_ms, line_hash) = 1"));
  }

  /** Each entry's line reference and UTF-8 length, by the entry's index in its batch. */
  private record Lines(long[] refs, int[] bytes) {}

  /**
   * Writes the batch's lines, per UTC day, each tenant's in blocks of their own (see {@link
   * #dropTenantBefore}), and forces them to disk.
   */
  private Lines storeLines(List<Entry> logs) throws SQLException {
    int size = logs.size();
    long[] refs = new long[size];
    int[] bytes = new int[size];
    long[] day = new long[size];
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      day[i] = Math.floorDiv(logs.get(i).log().startTimeMs(), DAY_MS);
      bytes[i] = logs.get(i).utf8().length;
      order[i] = i;
    }
    // Runs of one day and tenant, in the batch's order within each run.
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Long.compare(day[a], day[b]);
          return c != 0 ? c : logs.get(a).log().tenant().compareTo(logs.get(b).log().tenant());
        });
    int from = 0;
    while (from < size) {
      long d = day[order[from]];
      int to = from;
      List<List<byte[]>> groups = new ArrayList<>();
      List<int[]> members = new ArrayList<>();
      while (to < size && day[order[to]] == d) {
        String tenant = logs.get(order[to]).log().tenant();
        int end = to;
        while (end < size
            && day[order[end]] == d
            && logs.get(order[end]).log().tenant().equals(tenant)) {
          end++;
        }
        List<byte[]> group = new ArrayList<>(end - to);
        int[] who = new int[end - to];
        for (int k = to; k < end; k++) {
          group.add(logs.get(order[k]).utf8());
          who[k - to] = order[k];
        }
        groups.add(group);
        members.add(who);
        to = end;
      }
      long[][] r;
      try {
        r = lines.append(d, groups);
      } catch (IOException e) {
        throw new SQLException("cannot write access log lines: " + e.getMessage(), e);
      }
      for (int g = 0; g < r.length; g++) {
        for (int k = 0; k < r[g].length; k++) {
          refs[members.get(g)[k]] = r[g][k];
        }
      }
      from = to;
    }
    return new Lines(refs, bytes);
  }

  /** The staged columns of one entry, in table order (the day column not included). */
  private static DuckDBAppender appendValues(DuckDBAppender a, Entry e, Lines stored, int i)
      throws SQLException {
    StoredLog l = e.log();
    return a.beginRow()
        .append(l.tenant())
        .append(l.cluster())
        .append(l.namespace())
        .append(l.pod())
        .append(l.workload())
        .append(l.startTimeMs())
        .append(l.method())
        .append(l.path())
        .append(l.authority())
        .append(l.responseCode())
        .append(l.responseFlags())
        .append(l.responseCodeDetails())
        .append(l.durationMs())
        .append(l.bytesSent())
        .append(l.bytesReceived())
        .append(l.upstreamCluster())
        .append(l.requestId())
        .append(l.traceId())
        .append(l.direction())
        .append(stored.refs()[i])
        .append(stored.bytes()[i])
        .append(e.lineHash());
  }

  /**
   * Below this start time (year 10000) {@link Math#floorDiv} gives the same day as the SQL {@link
   * #DAY_EXPRESSION}, whose division goes through a double (exact for the day's floor below 2^53).
   */
  private static final long DIRECT_MAX_START_MS = 253_402_300_800_000L;

  /**
   * The fast way for a batch that repeats nothing: the entries straight into their day tables
   * through the Appender, whose primary-key check fails the batch when an entry is already stored
   * or repeated (then the staging way de-duplicates it). Leaves to the staging way a batch with an
   * entry that the table's CHECK constraints refuse, so that it fails there exactly as before, and
   * one with a start time outside {@code [0, DIRECT_MAX_START_MS)}.
   */
  private boolean appendDirect(DuckDBConnection c, List<Entry> logs, Lines stored)
      throws SQLException {
    TreeMap<Long, List<Integer>> byDay = new TreeMap<>();
    for (int i = 0; i < logs.size(); i++) {
      StoredLog l = logs.get(i).log();
      if (l.startTimeMs() < 0
          || l.startTimeMs() >= DIRECT_MAX_START_MS
          || l.responseCode() < 0
          || l.responseCode() > 999
          || l.durationMs() < 0
          || l.bytesSent() < 0
          || l.bytesReceived() < 0) {
        return false;
      }
      byDay.computeIfAbsent(l.startTimeMs() / DAY_MS, d -> new ArrayList<>()).add(i);
    }
    try (Statement s = c.createStatement()) {
      days.ensure(s, byDay.keySet());
    }
    for (Map.Entry<Long, List<Integer>> e : byDay.entrySet()) {
      int day = Math.toIntExact(e.getKey());
      try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, days.table(day))) {
        for (int i : e.getValue()) {
          appendValues(a, logs.get(i), stored, i).append(day).endRow();
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

  private void resyncDays() throws SQLException {
    days.resync(writer, writeLock);
  }

  /** The stored Kafka offsets: {@code "topic/partition"} -> next offset to read. */
  public Map<String, Long> offsets() throws SQLException {
    try (Connection c = readers.get()) {
      return DuckDbSupport.readOffsets(c);
    }
  }

  /**
   * Entries visible in {@code scope} that match {@code q}, newest first (ties in a stable content
   * order), at most {@code q.limit()}.
   */
  public List<StoredLog> search(Scope scope, LogQuery q) throws SQLException {
    List<Object> params = new ArrayList<>();
    String where = where(scope, q, q.startMs(), q.endMs(), params);
    String sql =
        "SELECT "
            + COLUMNS
            + ", line_hash FROM access_logs WHERE "
            + where
            + " ORDER BY start_ms DESC, pod, request_id, direction, line_hash";
    String text = q.lineContains();
    if (text == null) {
      sql += " LIMIT ?";
      params.add(q.limit());
    }
    List<StoredLog> out = new ArrayList<>();
    try (Connection c = readers.get()) {
      rows(
          c,
          sql,
          params,
          (log, lineHash) -> {
            if (text == null || log.raw().contains(text)) {
              out.add(log);
            }
            return out.size() < q.limit();
          });
    }
    return out;
  }

  /** What {@link #rows} hands each row to; {@code false} stops the reading. */
  private interface RowSink {
    boolean accept(StoredLog log, long lineHash) throws SQLException;
  }

  /** Rows whose lines {@link #rows} reads at once, in one pass over the blocks they are in. */
  private static final int LINE_BATCH = 1024;

  /**
   * Runs {@code sql}, which selects {@link #COLUMNS} and {@code line_hash}, and hands each row with
   * its line to {@code sink} in order until it returns {@code false}.
   *
   * @return the rows handed over
   */
  private int rows(Connection c, String sql, List<Object> params, RowSink sink)
      throws SQLException {
    int handed = 0;
    try (PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
        ResultSet r = p.executeQuery()) {
      List<Object[]> pending = new ArrayList<>(LINE_BATCH);
      boolean more = true;
      while (more) {
        more = r.next();
        if (more) {
          Object[] row = new Object[LINE_REF + 1];
          for (int i = 0; i < row.length; i++) {
            row[i] = r.getObject(i + 1);
          }
          pending.add(row);
          if (pending.size() < LINE_BATCH) {
            continue;
          }
        }
        long[] refs = new long[pending.size()];
        for (int i = 0; i < refs.length; i++) {
          refs[i] = ((Number) pending.get(i)[LINE_REF - 1]).longValue();
        }
        List<String> text = lines(refs);
        for (int i = 0; i < refs.length; i++) {
          Object[] row = pending.get(i);
          handed++;
          if (text.get(i) == null) {
            continue; // erased by the tenant's retention; the row goes next
          }
          if (!sink.accept(row(row, text.get(i)), ((Number) row[LINE_REF]).longValue())) {
            return handed;
          }
        }
        pending.clear();
      }
    }
    return handed;
  }

  /** The lines of {@code refs}, in order. */
  private List<String> lines(long[] refs) throws SQLException {
    try {
      return lines.read(refs);
    } catch (IOException e) {
      throw new SQLException("cannot read access log lines: " + e.getMessage(), e);
    }
  }

  /**
   * How far apart the caller's outbound entry and the destination's inbound entry of one request
   * may start (clock skew between clusters plus time in flight).
   */
  public static final long EXAMPLE_PAIR_SKEW_MS = 120_000;

  /** The first and shortest slice {@link #exampleRequestIds} searches, back from the end. */
  static final long EXAMPLE_FIRST_SLICE_MS = 30_000;

  /**
   * A call to find an example of in the access logs: from a proxy in {@code sourceNamespace} of
   * {@code sourceCluster} to a host starting with {@code destinationHostPrefix} (the host of
   * Envoy's {@code outbound|port|subset|host} upstream cluster, e.g. {@code catalog.shop.svc.}).
   *
   * @param tenants the tenants whose entries may serve as the example (the call's two sides)
   * @param destinationCluster where the destination's sidecar logged the call, or null for a call
   *     that reached none (then only the caller's entry is looked at)
   * @param inboundDetailsContain text the response code details of the destination's entry must
   *     contain (e.g. {@code rbac_access_denied} of an authorization policy denial), or null
   */
  public record ExampleCall(
      Set<String> tenants,
      String sourceCluster,
      String sourceNamespace,
      String destinationCluster,
      String destinationNamespace,
      String destinationHostPrefix,
      String inboundDetailsContain) {
    public ExampleCall {
      tenants = Set.copyOf(tenants);
      if (tenants.isEmpty()) {
        throw new IllegalArgumentException("an example call needs at least one tenant");
      }
    }
  }

  /**
   * For each call, the request id of the newest such call that started in {@code [startMs, endMs)},
   * from an entry of one of the call's tenants; null where there is none. For a call that reached a
   * destination: the destination's inbound entry, with a caller's outbound entry of the same
   * request id in the source cluster (whose namespace may be missing: raw lines without forwarder
   * metadata) starting within {@link #EXAMPLE_PAIR_SKEW_MS} of it. Otherwise the caller's outbound
   * entry. Ties go to the smallest request id.
   *
   * <p>The search goes back from {@code endMs} in slices that grow fourfold, starting with {@link
   * #EXAMPLE_FIRST_SLICE_MS}: one statement per slice for all calls still without an example, so
   * that a call seen lately costs a read of the last seconds only. Each slice's newest match is the
   * newest overall, since the slices after it found none.
   */
  public List<String> exampleRequestIds(List<ExampleCall> calls, long startMs, long endMs)
      throws SQLException {
    return exampleRequestIds(calls, startMs, endMs, EXAMPLE_FIRST_SLICE_MS);
  }

  /**
   * {@link #exampleRequestIds(List, long, long)} with its first slice {@code firstSliceMs} long.
   */
  List<String> exampleRequestIds(
      List<ExampleCall> calls, long startMs, long endMs, long firstSliceMs) throws SQLException {
    String[] out = new String[calls.size()];
    List<Integer> open = new ArrayList<>();
    for (int k = 0; k < calls.size(); k++) {
      open.add(k);
    }
    long to = endMs;
    long length = firstSliceMs;
    while (!open.isEmpty() && to > startMs) {
      long from = Math.max(startMs, to - length);
      examplesIn(calls, open, from, to, out);
      open.removeIf(k -> out[k] != null);
      to = from;
      length *= 4;
    }
    return Arrays.asList(out);
  }

  /**
   * One statement: the newest example in {@code [fromMs, toMs)} of each of the calls {@code which}.
   */
  private void examplesIn(
      List<ExampleCall> calls, List<Integer> which, long fromMs, long toMs, String[] out)
      throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder values = new StringBuilder();
    for (int k : which) {
      ExampleCall c = calls.get(k);
      List<String> ts = c.tenants().stream().sorted().toList();
      values
          .append(values.isEmpty() ? "" : ", ")
          .append(
              "(CAST(? AS INTEGER), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR),"
                  + " CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS VARCHAR), CAST(? AS"
                  + " VARCHAR), CAST(? AS VARCHAR))");
      params.addAll(
          Arrays.asList(
              k,
              ts.get(0),
              ts.get(ts.size() - 1),
              c.sourceCluster(),
              c.sourceNamespace(),
              c.destinationCluster(),
              c.destinationNamespace(),
              c.destinationHostPrefix(),
              c.inboundDetailsContain()));
    }
    long skew = EXAMPLE_PAIR_SKEW_MS;
    // The join conditions again as constant filters, which DuckDB applies while it scans (cheap on
    // dictionary-compressed columns) instead of after reading every entry of the time range.
    Set<String> inClusters = new TreeSet<>();
    Set<String> inNamespaces = new TreeSet<>();
    Set<String> outClusters = new TreeSet<>();
    Set<String> outNamespaces = new TreeSet<>(Set.of(""));
    Set<String> tenants = new TreeSet<>();
    for (int k : which) {
      ExampleCall c = calls.get(k);
      if (c.destinationCluster() != null) {
        inClusters.add(c.destinationCluster());
        inNamespaces.add(c.destinationNamespace());
      }
      outClusters.add(c.sourceCluster());
      outNamespaces.add(c.sourceNamespace());
      tenants.addAll(c.tenants());
    }
    // f: the calls; i: inbound entries of reached calls' destinations; o: outbound entries of the
    // same requests; u: outbound entries of calls that reached no destination.
    String sql =
        "WITH f(k, t1, t2, sc, sns, dc, dns, host, txt) AS (VALUES "
            + values
            + "), i AS (SELECT f.k, i.request_id, i.start_ms FROM access_logs i JOIN f"
            + " ON i.cluster = f.dc AND i.namespace = f.dns AND i.tenant IN (f.t1, f.t2)"
            + " WHERE i.day BETWEEN ? AND ? AND i.start_ms >= ? AND i.start_ms < ?"
            + " AND i.cluster IN "
            + placeholders(inClusters.size())
            + " AND i.namespace IN "
            + placeholders(inNamespaces.size())
            + " AND i.tenant IN "
            + placeholders(tenants.size())
            + " AND i.direction = 'inbound' AND i.request_id NOT IN ('', '-')"
            + " AND (f.txt IS NULL OR contains(i.response_code_details, f.txt)))"
            + ", o AS (SELECT request_id, cluster, namespace, start_ms,"
            + " split_part(upstream_cluster, '|', 4) AS host FROM access_logs"
            + " WHERE day BETWEEN ? AND ? AND start_ms >= ? AND start_ms < ?"
            + " AND cluster IN "
            + placeholders(outClusters.size())
            + " AND namespace IN "
            + placeholders(outNamespaces.size())
            + " AND direction = 'outbound' AND request_id IN (SELECT request_id FROM i))"
            + ", u AS (SELECT f.k, u.request_id, u.start_ms FROM access_logs u JOIN f"
            + " ON f.dc IS NULL AND u.cluster = f.sc AND u.namespace = f.sns"
            + " AND u.tenant IN (f.t1, f.t2)"
            + " AND starts_with(split_part(u.upstream_cluster, '|', 4), f.host)"
            + " WHERE u.day BETWEEN ? AND ? AND u.start_ms >= ? AND u.start_ms < ?"
            + " AND u.cluster IN "
            + placeholders(outClusters.size())
            + " AND u.namespace IN "
            + placeholders(outNamespaces.size())
            + " AND u.tenant IN "
            + placeholders(tenants.size())
            + " AND u.direction = 'outbound' AND u.request_id NOT IN ('', '-'))"
            + ", found AS (SELECT i.k, i.request_id, i.start_ms FROM i JOIN f ON f.k = i.k"
            + " JOIN o ON o.request_id = i.request_id AND o.cluster = f.sc"
            + " AND o.namespace IN (f.sns, '') AND starts_with(o.host, f.host)"
            + " AND o.start_ms BETWEEN i.start_ms - ? AND i.start_ms + ?"
            + " UNION ALL SELECT k, request_id, start_ms FROM u)"
            + " SELECT k, request_id FROM found QUALIFY row_number() OVER"
            + " (PARTITION BY k ORDER BY start_ms DESC, request_id) = 1";
    timeBounds(params, fromMs, toMs); // i
    params.addAll(inClusters);
    params.addAll(inNamespaces);
    params.addAll(tenants);
    timeBounds(params, fromMs - skew, toMs + skew); // o
    params.addAll(outClusters);
    params.addAll(outNamespaces);
    timeBounds(params, fromMs, toMs); // u
    params.addAll(outClusters);
    params.addAll(outNamespaces);
    params.addAll(tenants);
    params.add(skew);
    params.add(skew);
    try (Connection conn = readers.get();
        PreparedStatement p = DuckDbSupport.prepare(conn, sql, params);
        ResultSet r = p.executeQuery()) {
      while (r.next()) {
        out[r.getInt(1)] = r.getString(2);
      }
    }
  }

  /** {@code (?, ?, ...)} for {@code n} values; {@code (NULL)}, which matches nothing, for none. */
  private static String placeholders(int n) {
    return n == 0 ? "(NULL)" : "(" + String.join(", ", Collections.nCopies(n, "?")) + ")";
  }

  /** Day and start bounds of {@code [fromMs, toMs)}: the days let DuckDB skip row groups. */
  private static void timeBounds(List<Object> params, long fromMs, long toMs) {
    params.add(Math.floorDiv(fromMs, DAY_MS));
    params.add(Math.floorDiv(toMs, DAY_MS));
    params.add(fromMs);
    params.add(toMs);
  }

  /**
   * Entries visible in {@code scope} per step and per value of {@code field} (one of {@link
   * #COUNT_FIELDS}), for starts in {@code [startMs, endMs)}. Steps start at {@code startMs + k *
   * stepMs}; steps and values without entries are left out. {@code filter}'s labels, line and field
   * conditions apply; its time range and limit do not.
   */
  public List<CountPoint> countsBy(
      Scope scope, String field, long startMs, long endMs, long stepMs, LogQuery filter)
      throws SQLException {
    if (!COUNT_FIELDS.contains(field)) {
      throw new IllegalArgumentException("cannot count by " + field + "; one of " + COUNT_FIELDS);
    }
    if (stepMs <= 0) {
      throw new IllegalArgumentException("step must be positive: " + stepMs);
    }
    List<CountPoint> out = new ArrayList<>();
    try (Connection c = readers.get()) {
      List<Object> whereParams = new ArrayList<>();
      String where = where(scope, filter, startMs, endMs, whereParams);
      if (filter != null && filter.lineContains() != null) {
        String text = filter.lineContains();
        where += matchedLines(c, where, whereParams, l -> l.contains(text));
      }
      List<Object> params = new ArrayList<>(List.of(startMs, startMs, stepMs, stepMs));
      params.addAll(whereParams);
      String sql =
          "SELECT ? + (start_ms - ?) // ? * ? AS step, CAST("
              + field
              + " AS VARCHAR) AS v, count(*) FROM access_logs WHERE "
              + where
              + " GROUP BY step, v ORDER BY step, v";
      try (PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
          ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(new CountPoint(r.getLong(1), r.getString(2), r.getLong(3)));
        }
      }
    }
    return out;
  }

  private static String where(
      Scope scope, LogQuery q, long startMs, long endMs, List<Object> params) {
    StringBuilder w = new StringBuilder(DuckDbSupport.scopeClause(scope, "tenant", params));
    // The day bounds let DuckDB skip row groups by their min/max before reading start_ms.
    w.append(" AND day BETWEEN ? AND ? AND start_ms >= ? AND start_ms < ?");
    params.add(Math.floorDiv(startMs, DAY_MS));
    params.add(Math.floorDiv(endMs, DAY_MS));
    params.add(startMs);
    params.add(endMs);
    if (q == null) {
      return w.toString();
    }
    equal(w, params, "cluster", q.cluster());
    equal(w, params, "namespace", q.namespace());
    equal(w, params, "pod", q.pod());
    equal(w, params, "method", q.method());
    equal(w, params, "response_code", q.responseCode());
    if (q.minResponseCode() != null) {
      w.append(" AND response_code >= ?");
      params.add(q.minResponseCode());
    }
    if (q.pathPrefix() != null) {
      w.append(" AND starts_with(path, ?)");
      params.add(q.pathPrefix());
    }
    if (q.minDurationMs() != null) {
      w.append(" AND duration_ms >= ?");
      params.add(q.minDurationMs());
    }
    return w.toString();
  }

  private static void equal(StringBuilder w, List<Object> params, String column, Object value) {
    if (value != null) {
      w.append(" AND ").append(column).append(" = ?");
      params.add(value);
    }
  }

  /**
   * Entries visible in {@code scope} that {@code selection} selects, one at a time to {@code sink}
   * until it returns {@code false}: newest first or oldest first, in the primary key's total order
   * (start, pod, request id, direction, line hash). Reads in pages of {@code pageSize} entries,
   * each continuing after the previous page's last key, so a caller that filters further in Java
   * reads only as far as it needs and rows stored meanwhile are neither repeated nor skipped.
   */
  public void scan(
      Scope scope,
      StreamSelection selection,
      boolean newestFirst,
      int pageSize,
      Predicate<StoredLog> sink)
      throws SQLException {
    if (pageSize <= 0) {
      throw new IllegalArgumentException("page size must be positive: " + pageSize);
    }
    String dir = newestFirst ? " DESC" : "";
    String cmp = newestFirst ? " < " : " > ";
    String order =
        " ORDER BY start_ms"
            + dir
            + ", pod"
            + dir
            + ", request_id"
            + dir
            + ", direction"
            + dir
            + ", line_hash"
            + dir
            + " LIMIT ?";
    Predicate<String> keep = lineFilter(selection.lines());
    Object[][] after = {null};
    try (Connection c = readers.get()) {
      while (true) {
        List<Object> params = new ArrayList<>();
        StringBuilder sql =
            new StringBuilder("SELECT ")
                .append(COLUMNS)
                .append(", line_hash FROM access_logs WHERE ")
                .append(where(scope, selection, params));
        if (after[0] != null) {
          // (start_ms, pod, request_id, direction, line_hash) beyond the last key, spelled out.
          sql.append(" AND (start_ms")
              .append(cmp)
              .append("? OR (start_ms = ? AND (pod")
              .append(cmp)
              .append("? OR (pod = ? AND (request_id")
              .append(cmp)
              .append("? OR (request_id = ? AND (direction")
              .append(cmp)
              .append("? OR (direction = ? AND line_hash")
              .append(cmp)
              .append("?))))))))");
          for (int i = 0; i < 4; i++) {
            params.add(after[0][i]);
            params.add(after[0][i]);
          }
          params.add(after[0][4]);
        }
        sql.append(order);
        params.add(pageSize);
        boolean[] stopped = {false};
        int read =
            rows(
                c,
                sql.toString(),
                params,
                (log, lineHash) -> {
                  after[0] =
                      new Object[] {
                        log.startTimeMs(), log.pod(), log.requestId(), log.direction(), lineHash
                      };
                  if (keep.test(log.raw()) && !sink.test(log)) {
                    stopped[0] = true;
                  }
                  return !stopped[0];
                });
        if (stopped[0] || read < pageSize) {
          return;
        }
      }
    }
  }

  /**
   * Entries visible in {@code scope} that {@code selection} selects, counted per value of the
   * {@code groupBy} stream labels (each one of {@link #STREAM_LABELS}) and per time bucket: bucket
   * {@code k >= 1} holds starts in {@code (originMs + (k-1) * widthMs, originMs + k * widthMs]}.
   * Buckets without entries are left out. For LogQL range aggregations: a window {@code (t - r, t]}
   * is a run of whole buckets when {@code t - originMs} and {@code r} are multiples of the width.
   */
  public List<StreamBucket> countBuckets(
      Scope scope, StreamSelection selection, List<String> groupBy, long originMs, long widthMs)
      throws SQLException {
    for (String g : groupBy) {
      if (!STREAM_LABELS.contains(g)) {
        throw new IllegalArgumentException("cannot group by " + g + "; one of " + STREAM_LABELS);
      }
    }
    if (widthMs <= 0) {
      throw new IllegalArgumentException("bucket width must be positive: " + widthMs);
    }
    if (selection.startMs() <= originMs) {
      throw new IllegalArgumentException("the selection must start after the origin");
    }
    String cols = groupBy.isEmpty() ? "" : String.join(", ", groupBy) + ", ";
    List<StreamBucket> out = new ArrayList<>();
    try (Connection c = readers.get()) {
      List<Object> whereParams = new ArrayList<>();
      String where = where(c, scope, selection, whereParams);
      List<Object> params = new ArrayList<>(List.of(originMs, originMs, widthMs, widthMs, widthMs));
      params.addAll(whereParams);
      String sql =
          "SELECT "
              + cols
              + "? + (start_ms - ? + ? - 1) // ? * ? AS bucket, count(*), sum(line_bytes)"
              + " FROM access_logs WHERE "
              + where
              + " GROUP BY ALL ORDER BY ALL";
      try (PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
          ResultSet r = p.executeQuery()) {
        int n = groupBy.size();
        while (r.next()) {
          List<String> values = new ArrayList<>(n);
          for (int i = 1; i <= n; i++) {
            values.add(r.getString(i));
          }
          out.add(
              new StreamBucket(
                  List.copyOf(values), r.getLong(n + 1), r.getLong(n + 2), r.getLong(n + 3)));
        }
      }
    }
    return out;
  }

  /**
   * The stream labels (of {@link #STREAM_LABELS}) that have a non-empty value on at least one entry
   * visible in {@code scope} and selected by {@code selection}, sorted.
   */
  public List<String> labelNames(Scope scope, StreamSelection selection) throws SQLException {
    List<Object> params = new ArrayList<>();
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int i = 0; i < STREAM_LABELS.size(); i++) {
      sql.append(i == 0 ? "" : ", ")
          .append("bool_or(")
          .append(STREAM_LABELS.get(i))
          .append(" <> '')");
    }
    List<String> out = new ArrayList<>();
    try (Connection c = readers.get()) {
      sql.append(" FROM access_logs WHERE ").append(where(c, scope, selection, params));
      try (PreparedStatement p = DuckDbSupport.prepare(c, sql.toString(), params);
          ResultSet r = p.executeQuery()) {
        r.next();
        for (int i = 0; i < STREAM_LABELS.size(); i++) {
          if (r.getBoolean(i + 1)) {
            out.add(STREAM_LABELS.get(i));
          }
        }
      }
    }
    return out;
  }

  /**
   * The distinct non-empty values of stream label {@code label} on entries visible in {@code scope}
   * and selected by {@code selection}, sorted; empty for a name that is not a stream label.
   */
  public List<String> labelValues(Scope scope, String label, StreamSelection selection)
      throws SQLException {
    if (!STREAM_LABELS.contains(label)) {
      return List.of();
    }
    List<Object> params = new ArrayList<>();
    List<String> out = new ArrayList<>();
    try (Connection c = readers.get()) {
      String sql =
          "SELECT DISTINCT "
              + label
              + " FROM access_logs WHERE "
              + where(c, scope, selection, params)
              + " AND "
              + label
              + " <> '' ORDER BY 1";
      try (PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
          ResultSet r = p.executeQuery()) {
        while (r.next()) {
          out.add(r.getString(1));
        }
      }
    }
    return out;
  }

  /**
   * The distinct stream label sets (non-empty labels only) of entries visible in {@code scope} and
   * selected by {@code selection}, sorted by their values, at most {@code limit}.
   */
  public List<Map<String, String>> streams(Scope scope, StreamSelection selection, int limit)
      throws SQLException {
    List<Object> params = new ArrayList<>();
    String cols = String.join(", ", STREAM_LABELS);
    List<Map<String, String>> out = new ArrayList<>();
    try (Connection c = readers.get()) {
      String sql =
          "SELECT DISTINCT "
              + cols
              + " FROM access_logs WHERE "
              + where(c, scope, selection, params)
              + " ORDER BY ALL LIMIT ?";
      params.add(limit);
      try (PreparedStatement p = DuckDbSupport.prepare(c, sql, params);
          ResultSet r = p.executeQuery()) {
        while (r.next()) {
          Map<String, String> labels = new TreeMap<>();
          for (int i = 0; i < STREAM_LABELS.size(); i++) {
            String v = r.getString(i + 1);
            if (!v.isEmpty()) {
              labels.put(STREAM_LABELS.get(i), v);
            }
          }
          out.add(labels);
        }
      }
    }
    return out;
  }

  private static String where(Scope scope, StreamSelection s, List<Object> params) {
    StringBuilder w = new StringBuilder(DuckDbSupport.scopeClause(scope, "tenant", params));
    w.append(" AND day BETWEEN ? AND ? AND start_ms >= ? AND start_ms < ?");
    params.add(Math.floorDiv(s.startMs(), DAY_MS));
    params.add(Math.floorDiv(s.endMs(), DAY_MS));
    params.add(s.startMs());
    params.add(s.endMs());
    for (LabelMatcher m : s.labels()) {
      if (!STREAM_LABELS.contains(m.name())) {
        // Not a column: every entry lacks the label, which matches as "".
        if (!m.matchesEmpty()) {
          w.append(" AND FALSE");
        }
        continue;
      }
      String col = m.name();
      switch (m.type()) {
        case EQUAL -> w.append(" AND ").append(col).append(" = ?");
        case NOT_EQUAL -> w.append(" AND ").append(col).append(" <> ?");
        case REGEX -> w.append(" AND regexp_full_match(").append(col).append(", ?)");
        case NOT_REGEX -> w.append(" AND NOT regexp_full_match(").append(col).append(", ?)");
      }
      boolean regex =
          m.type() == LabelMatcher.Type.REGEX || m.type() == LabelMatcher.Type.NOT_REGEX;
      // As Prometheus and Loki compile label regexes: '.' matches a line break too.
      params.add(regex ? "(?s:" + m.value() + ")" : m.value());
    }
    return w.toString();
  }

  /**
   * The entries' conditions of {@code s} in SQL, its line filters included: where it has any, the
   * references of the lines that pass them are put into a temporary table of {@code c} first.
   */
  private String where(Connection c, Scope scope, StreamSelection s, List<Object> params)
      throws SQLException {
    String w = where(scope, s, params);
    return s.lines().isEmpty() ? w : w + matchedLines(c, w, params, lineFilter(s.lines()));
  }

  /** Whether a line passes every one of {@code filters} (regular expressions in RE2 syntax). */
  static Predicate<String> lineFilter(List<StreamSelection.LineFilter> filters) {
    Predicate<String> all = l -> true;
    for (StreamSelection.LineFilter f : filters) {
      String v = f.value();
      Predicate<String> one =
          switch (f.op()) {
            case CONTAINS -> l -> l.contains(v);
            case NOT_CONTAINS -> l -> !l.contains(v);
            case REGEX -> {
              com.google.re2j.Pattern p = com.google.re2j.Pattern.compile(v);
              yield l -> p.matcher(l).find();
            }
            case NOT_REGEX -> {
              com.google.re2j.Pattern p = com.google.re2j.Pattern.compile(v);
              yield l -> !p.matcher(l).find();
            }
          };
      all = all.and(one);
    }
    return all;
  }

  /**
   * Reads the line of every entry that {@code where} selects, keeps the references of those that
   * {@code keep} passes in the temporary table {@code matched_lines} of {@code c}, and returns the
   * SQL condition that selects them. Line filters run here, in Java, since the lines are not in
   * DuckDB.
   */
  private String matchedLines(
      Connection c, String where, List<Object> params, Predicate<String> keep) throws SQLException {
    try (Statement s = c.createStatement()) {
      // Replaced, not emptied: DuckDB keeps the memory of rows deleted from a temporary table,
      // and the read connections live long.
      s.execute("CREATE OR REPLACE TEMP TABLE matched_lines (ref BIGINT NOT NULL)");
    }
    try (PreparedStatement p =
            DuckDbSupport.prepare(c, "SELECT line_ref FROM access_logs WHERE " + where, params);
        ResultSet r = p.executeQuery();
        DuckDBAppender a =
            c.unwrap(DuckDBConnection.class)
                .createAppender(DuckDBConnection.DEFAULT_SCHEMA, "matched_lines")) {
      long[] batch = new long[LINE_BATCH];
      int n = 0;
      boolean more = true;
      while (more) {
        more = r.next();
        if (more) {
          batch[n++] = r.getLong(1);
          if (n < LINE_BATCH) {
            continue;
          }
        }
        long[] refs = Arrays.copyOf(batch, n);
        List<String> text = lines(refs);
        for (int i = 0; i < n; i++) {
          String line = text.get(i);
          if (line != null && keep.test(line)) {
            a.beginRow().append(refs[i]).endRow();
          }
        }
        n = 0;
      }
      a.flush();
    }
    return " AND line_ref IN (SELECT ref FROM matched_lines)";
  }

  /** An entry from the values of {@link #COLUMNS}, in order, and its line. */
  private static StoredLog row(Object[] v, String raw) {
    return new StoredLog(
        (String) v[0],
        (String) v[1],
        (String) v[2],
        (String) v[3],
        (String) v[4],
        ((Number) v[5]).longValue(),
        (String) v[6],
        (String) v[7],
        (String) v[8],
        ((Number) v[9]).intValue(),
        (String) v[10],
        (String) v[11],
        ((Number) v[12]).longValue(),
        ((Number) v[13]).longValue(),
        ((Number) v[14]).longValue(),
        (String) v[15],
        (String) v[16],
        (String) v[17],
        (String) v[18],
        raw);
  }

  /**
   * Drops, whole, every UTC day of entries before the day of {@code epochMs} (one table each).
   *
   * @return the number of days dropped
   */
  public int dropBefore(long epochMs) throws SQLException {
    long firstKept = Math.floorDiv(epochMs, DAY_MS);
    writeLock.lock();
    try {
      int dropped = days.dropBefore(writer, writeLock, firstKept);
      lines.dropBefore(firstKept);
      return dropped;
    } catch (IOException e) {
      throw new SQLException("cannot delete access log line files: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * Deletes {@code tenant}'s rows of the UTC days before the day of {@code epochMs}: a tenant
   * retention shorter than the store's, whose whole days {@link #dropBefore} drops.
   *
   * @return the number of rows deleted
   */
  public long dropTenantBefore(String tenant, long epochMs) throws SQLException {
    long firstKept = Math.floorDiv(epochMs, DAY_MS);
    writeLock.lock();
    try {
      // The lines first, then the rows: a crash in between leaves rows whose lines are gone,
      // which the next pass deletes, never lines that nothing would erase any more.
      List<Long> refs = new ArrayList<>();
      try (PreparedStatement p =
              DuckDbSupport.prepare(
                  writer,
                  "SELECT line_ref FROM access_logs WHERE tenant = ? AND day < ?",
                  List.of(tenant, firstKept));
          ResultSet r = p.executeQuery()) {
        while (r.next()) {
          refs.add(r.getLong(1));
        }
      }
      lines.erase(refs.stream().mapToLong(Long::longValue).toArray());
      return days.deleteTenantBefore(writer, writeLock, firstKept, tenant);
    } catch (IOException e) {
      throw new SQLException("cannot erase access log lines: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Number of entries visible in {@code scope}: for usage views and tests. */
  public long count(Scope scope) throws SQLException {
    List<Object> params = new ArrayList<>();
    String sql =
        "SELECT count(*) FROM access_logs WHERE "
            + DuckDbSupport.scopeClause(scope, "tenant", params);
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
      try {
        DuckDbSupport.closeUnder(writer, writeLock);
      } finally {
        try {
          lines.close();
        } catch (IOException e) {
          throw new SQLException("cannot close access log line files: " + e.getMessage(), e);
        }
      }
    }
  }
}
