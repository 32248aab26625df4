package io.meshlens.store;

import io.meshlens.model.Labels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.roaringbitmap.RoaringBitmap;

/**
 * The metric store on disk: one DuckDB file ({@code metrics.duckdb}) holding
 *
 * <ul>
 *   <li>{@code series(id, labels)} and {@code visibility(id, tenant)}: series identity and which
 *       tenants see each series, appended as series appear;
 *   <li>one table of sealed XOR chunks per UTC day, {@code chunks_d<epoch day>(id, min_t, max_t,
 *       chunk)}, a chunk filed under the day of its first sample. Retention drops a day's table
 *       whole ({@code DROP TABLE}), never row by row;
 *   <li>{@code head(id, last_t, last_v, min_t, chunk)}: every series' last sample and its open (not
 *       yet full) chunk, replaced at each checkpoint;
 *   <li>{@code kafka_offsets}: the next offset to read per partition.
 * </ul>
 *
 * <p>A checkpoint writes new series, new visibility, newly sealed chunks, the head and the offsets
 * in <b>one</b> DuckDB transaction, so after a crash the file holds exactly the data of the offsets
 * it names, and Kafka replays the rest. Chunks stay in Prometheus' XOR encoding inside BLOBs
 * (docs/storage-spike.md: 0.4-1.3 bytes/sample, against 4-6 for one row per sample).
 */
final class MetricDatabase implements AutoCloseable {

  static final long DAY_MS = 86_400_000L;

  /** Past this many ids a chunk read filters ids in Java rather than in an SQL {@code IN} list. */
  private static final int MAX_IN_LIST = 4_000;

  /** One chunk as stored. */
  record ChunkRow(int id, long minT, long maxT, byte[] chunk) {}

  /** One series' last sample and open chunk (null when its last chunk is sealed). */
  record HeadRow(int id, long lastT, double lastV, long minT, byte[] chunk) {}

  /** A series' identity as stored. */
  record SeriesRow(int id, Labels labels) {}

  /** One visibility grant. */
  record Grant(int id, String tenant) {}

  /** What one checkpoint writes. */
  interface Checkpoint {
    List<SeriesRow> newSeries();

    List<Grant> grants();

    /** Chunks sealed since the last checkpoint. */
    List<ChunkRow> sealedChunks();

    /** Streams every series' head into {@code sink}. */
    void heads(HeadSink sink) throws SQLException;

    Map<String, Long> offsets();
  }

  /** Receives head rows during a checkpoint. */
  @FunctionalInterface
  interface HeadSink {
    void head(int id, long lastT, double lastV, long minT, byte[] chunk) throws SQLException;
  }

  private final Path file;
  private final DuckDBConnection writer;

  /** Read connections kept open between reads (see {@link ReaderConnections}). */
  private final ReaderConnections readers;

  private final ReentrantLock writeLock = new ReentrantLock();

  /** The symbol table: every distinct label string, by id; written at checkpoints. */
  private final List<String> symbolList = new ArrayList<>();

  private final Map<String, Integer> symbolIds = new java.util.HashMap<>();

  /** Epoch day to the latest sample time of that day's chunk table. */
  private final ConcurrentSkipListMap<Long, Long> days = new ConcurrentSkipListMap<>();

  MetricDatabase(Path directory) throws SQLException {
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    file = directory.resolve("metrics.duckdb");
    writer = (DuckDBConnection) new DuckDBDriver().connect("jdbc:duckdb:" + file, new Properties());
    readers = new ReaderConnections(writer, ReaderConnections.KEPT);
    try (Statement s = writer.createStatement()) {
      // series: label sets written whole (the first layout, read only); series_labels: label
      // sets as ids into symbols, each distinct string stored once.
      s.execute("CREATE TABLE IF NOT EXISTS series (id INTEGER NOT NULL, labels BLOB NOT NULL)");
      s.execute(
          "CREATE TABLE IF NOT EXISTS series_labels (id INTEGER NOT NULL, labels BLOB NOT NULL)");
      s.execute("CREATE TABLE IF NOT EXISTS symbols (id INTEGER NOT NULL, value VARCHAR NOT NULL)");
      try (ResultSet r = s.executeQuery("SELECT id, value FROM symbols ORDER BY id")) {
        while (r.next()) {
          if (r.getInt(1) != symbolList.size()) {
            throw new IllegalStateException(
                "metric store: symbol ids are not contiguous at " + r.getInt(1) + " in " + file);
          }
          symbolIds.put(r.getString(2), symbolList.size());
          symbolList.add(r.getString(2));
        }
      }
      s.execute(
          "CREATE TABLE IF NOT EXISTS visibility (id INTEGER NOT NULL, tenant VARCHAR NOT NULL)");
      s.execute(
          """
          CREATE TABLE IF NOT EXISTS head (
            id INTEGER NOT NULL, last_t BIGINT NOT NULL, last_v DOUBLE NOT NULL,
            min_t BIGINT, chunk BLOB)""");
      DuckDbSupport.createOffsetsTable(s);
      List<Long> found = new ArrayList<>();
      try (ResultSet r =
          s.executeQuery(
              "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'chunks_%'")) {
        while (r.next()) {
          found.add(dayOf(r.getString(1)));
        }
      }
      for (long day : found) {
        try (ResultSet r = s.executeQuery("SELECT max(max_t) FROM " + table(day))) {
          r.next();
          long max = r.getLong(1);
          days.put(day, r.wasNull() ? Long.MIN_VALUE : max);
        }
      }
    }
    writer.setAutoCommit(false);
  }

  private static String table(long day) {
    return day >= 0 ? "chunks_d" + day : "chunks_n" + (-day);
  }

  private static long dayOf(String table) {
    String n = table.substring("chunks_".length());
    long v = Long.parseLong(n.substring(1));
    return n.charAt(0) == 'n' ? -v : v;
  }

  /** Writes one checkpoint atomically; on failure nothing of it is stored. */
  void checkpoint(Checkpoint c) throws SQLException {
    writeLock.lock();
    try {
      NavigableMap<Long, List<ChunkRow>> byDay = new TreeMap<>();
      for (ChunkRow row : c.sealedChunks()) {
        byDay.computeIfAbsent(Math.floorDiv(row.minT(), DAY_MS), d -> new ArrayList<>()).add(row);
      }
      int symbolsBefore = symbolList.size();
      try {
        DuckDbSupport.upsertOffsets(writer, c.offsets());
        int firstNewSymbol = symbolList.size();
        List<byte[]> encoded = new ArrayList<>(c.newSeries().size());
        for (SeriesRow row : c.newSeries()) {
          encoded.add(LabelsCodec.encodeSymbols(row.labels(), this::symbolId));
        }
        try (DuckDBAppender a = writer.createAppender("main", "symbols")) {
          for (int id = firstNewSymbol; id < symbolList.size(); id++) {
            a.beginRow().append(id).append(symbolList.get(id)).endRow();
          }
          // close() alone drops the rows of a failed flush without a word (DuckDB JDBC 1.4.1) and
          // the offsets would commit past them; flush() throws, and the checkpoint rolls back.
          a.flush();
        }
        try (DuckDBAppender a = writer.createAppender("main", "series_labels")) {
          for (int i = 0; i < encoded.size(); i++) {
            a.beginRow().append(c.newSeries().get(i).id()).append(encoded.get(i)).endRow();
          }
          a.flush();
        }
        try (DuckDBAppender a = writer.createAppender("main", "visibility")) {
          for (Grant g : c.grants()) {
            a.beginRow().append(g.id()).append(g.tenant()).endRow();
          }
          a.flush();
        }
        for (Map.Entry<Long, List<ChunkRow>> e : byDay.entrySet()) {
          String table = table(e.getKey());
          try (Statement s = writer.createStatement()) {
            s.execute(
                "CREATE TABLE IF NOT EXISTS "
                    + table
                    + " (id INTEGER NOT NULL, min_t BIGINT NOT NULL, max_t BIGINT NOT NULL,"
                    + " chunk BLOB NOT NULL)");
          }
          try (DuckDBAppender a = writer.createAppender("main", table)) {
            for (ChunkRow row : e.getValue()) {
              a.beginRow()
                  .append(row.id())
                  .append(row.minT())
                  .append(row.maxT())
                  .append(row.chunk())
                  .endRow();
            }
            a.flush();
          }
        }
        try (Statement s = writer.createStatement()) {
          s.execute("DELETE FROM head");
        }
        try (DuckDBAppender a = writer.createAppender("main", "head")) {
          c.heads(
              (id, lastT, lastV, minT, chunk) -> {
                a.beginRow().append(id).append(lastT).append(lastV);
                if (chunk == null) {
                  a.appendNull().appendNull();
                } else {
                  a.append(minT).append(chunk);
                }
                a.endRow();
              });
          a.flush();
        }
        writer.commit();
      } catch (SQLException | RuntimeException e) {
        writer.rollback();
        forgetSymbolsFrom(symbolsBefore);
        throw e;
      }
      byDay.forEach(
          (day, rows) -> {
            long max = rows.stream().mapToLong(ChunkRow::maxT).max().orElse(Long.MIN_VALUE);
            days.merge(day, max, Math::max);
          });
    } finally {
      writeLock.unlock();
    }
  }

  private int symbolId(String value) {
    Integer id = symbolIds.get(value);
    if (id == null) {
      id = symbolList.size();
      symbolList.add(value);
      symbolIds.put(value, id);
    }
    return id;
  }

  /** Drops symbols added by a checkpoint that was rolled back. */
  private void forgetSymbolsFrom(int size) {
    while (symbolList.size() > size) {
      symbolIds.remove(symbolList.remove(symbolList.size() - 1));
    }
  }

  /** Every stored series, by ascending id. */
  List<SeriesRow> series() throws SQLException {
    List<SeriesRow> out = new ArrayList<>();
    try (Connection c = readers.get();
        Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery(
                "SELECT id, labels, false FROM series UNION ALL"
                    + " SELECT id, labels, true FROM series_labels ORDER BY 1")) {
      while (r.next()) {
        byte[] labels = r.getBytes(2);
        out.add(
            new SeriesRow(
                r.getInt(1),
                r.getBoolean(3)
                    ? LabelsCodec.decodeSymbols(labels, symbolList)
                    : LabelsCodec.decode(labels)));
      }
    }
    return out;
  }

  List<Grant> grants() throws SQLException {
    List<Grant> out = new ArrayList<>();
    try (Connection c = readers.get();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id, tenant FROM visibility")) {
      while (r.next()) {
        out.add(new Grant(r.getInt(1), r.getString(2)));
      }
    }
    return out;
  }

  List<HeadRow> heads() throws SQLException {
    List<HeadRow> out = new ArrayList<>();
    try (Connection c = readers.get();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id, last_t, last_v, min_t, chunk FROM head")) {
      while (r.next()) {
        long minT = r.getLong(4);
        byte[] chunk = r.getBytes(5);
        out.add(new HeadRow(r.getInt(1), r.getLong(2), r.getDouble(3), minT, chunk));
      }
    }
    return out;
  }

  Map<String, Long> offsets() throws SQLException {
    try (Connection c = readers.get()) {
      return DuckDbSupport.readOffsets(c);
    }
  }

  /**
   * Stored chunks of the series in {@code ids} that overlap {@code [minT, maxT]}, ordered by id
   * then time.
   */
  List<ChunkRow> chunks(RoaringBitmap ids, long minT, long maxT) throws SQLException {
    List<ChunkRow> out = new ArrayList<>();
    if (ids.isEmpty() || minT > maxT) {
      return out;
    }
    String idFilter = "";
    if (ids.getCardinality() <= MAX_IN_LIST) {
      StringBuilder sb = new StringBuilder(" AND id IN (");
      ids.forEach((int id) -> sb.append(id).append(','));
      sb.setCharAt(sb.length() - 1, ')');
      idFilter = sb.toString();
    }
    try (Connection c = readers.get();
        Statement s = c.createStatement()) {
      for (Map.Entry<Long, Long> day : days.headMap(Math.floorDiv(maxT, DAY_MS), true).entrySet()) {
        if (day.getValue() < minT) {
          continue;
        }
        try (ResultSet r =
            s.executeQuery(
                "SELECT id, min_t, max_t, chunk FROM "
                    + table(day.getKey())
                    + " WHERE max_t >= "
                    + minT
                    + " AND min_t <= "
                    + maxT
                    + idFilter)) {
          while (r.next()) {
            int id = r.getInt(1);
            if (ids.contains(id)) {
              out.add(new ChunkRow(id, r.getLong(2), r.getLong(3), r.getBytes(4)));
            }
          }
        }
      }
    } catch (SQLException e) {
      if (isDroppedTable(e)) {
        // Retention dropped a day between listing and reading: that data is gone by design.
        return chunks(ids, minT, maxT);
      }
      throw e;
    }
    out.sort(Comparator.comparingInt(ChunkRow::id).thenComparingLong(ChunkRow::minT));
    return out;
  }

  private boolean isDroppedTable(SQLException e) {
    String m = e.getMessage();
    return m != null && m.contains("Catalog Error") && m.contains("chunks_");
  }

  /**
   * Drops every day whose samples all lie before {@code cutoffMs}, one whole table each.
   *
   * @return the number of days dropped
   */
  int dropBefore(long cutoffMs) throws SQLException {
    int dropped = 0;
    writeLock.lock();
    try {
      for (Map.Entry<Long, Long> day : List.copyOf(days.entrySet())) {
        if (day.getValue() >= cutoffMs || (day.getKey() + 1) * DAY_MS > cutoffMs) {
          continue;
        }
        try (Statement s = writer.createStatement()) {
          s.execute("DROP TABLE IF EXISTS " + table(day.getKey()));
          writer.commit();
        } catch (SQLException e) {
          writer.rollback();
          throw e;
        }
        days.remove(day.getKey());
        dropped++;
      }
    } finally {
      writeLock.unlock();
    }
    return dropped;
  }

  /**
   * Deletes the chunks of the series in {@code ids} from every day before {@code firstKeptDay}: a
   * tenant's shorter retention.
   *
   * @return the number of chunks deleted
   */
  long deleteChunks(RoaringBitmap ids, long firstKeptDay) throws SQLException {
    if (ids.isEmpty()) {
      return 0;
    }
    return DuckDbSupport.inTransaction(
        writer,
        writeLock,
        s -> {
          s.execute("CREATE TEMP TABLE IF NOT EXISTS retention_ids (id INTEGER)");
          s.execute("DELETE FROM retention_ids");
          try (DuckDBAppender a = writer.createAppender("temp", "main", "retention_ids")) {
            for (int id : ids) {
              a.beginRow().append(id).endRow();
            }
            // As in checkpoint: close() alone would drop the ids of a failed flush silently.
            a.flush();
          }
          long deleted = 0;
          for (long day : days.headMap(firstKeptDay).keySet()) {
            deleted +=
                s.executeUpdate(
                    "DELETE FROM " + table(day) + " WHERE id IN (SELECT id FROM retention_ids)");
          }
          s.execute("DELETE FROM retention_ids");
          return deleted;
        },
        null);
  }

  /**
   * The start of each series' oldest stored chunk, indexed by series id; {@code Long.MAX_VALUE} for
   * series with no chunk on disk.
   */
  long[] oldestChunkStarts(int seriesCount) throws SQLException {
    long[] out = new long[seriesCount];
    java.util.Arrays.fill(out, Long.MAX_VALUE);
    try (Connection c = readers.get();
        Statement s = c.createStatement()) {
      for (long day : days.keySet()) {
        try (ResultSet r =
            s.executeQuery("SELECT id, min(min_t) FROM " + table(day) + " GROUP BY id")) {
          while (r.next()) {
            int id = r.getInt(1);
            if (id >= 0 && id < seriesCount) {
              out[id] = Math.min(out[id], r.getLong(2));
            }
          }
        }
      }
    }
    return out;
  }

  /** Bytes of chunk payload stored, over every day (the XOR-encoded samples alone). */
  long chunkBytes() throws SQLException {
    long total = 0;
    try (Connection c = readers.get();
        Statement s = c.createStatement()) {
      for (long day : days.keySet()) {
        try (ResultSet r =
            s.executeQuery("SELECT coalesce(sum(octet_length(chunk)), 0) FROM " + table(day))) {
          r.next();
          total += r.getLong(1);
        }
      }
    }
    return total;
  }

  /** The days holding chunks, oldest first. */
  List<Long> days() {
    return List.copyOf(days.keySet());
  }

  /** Size of the database file. */
  long fileBytes() {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
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
}
