package io.meshlens.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * What the DuckDB-backed stores share: the {@code kafka_offsets} table that each store writes in
 * the same transaction as its rows, and the SQL condition that keeps every read inside a {@link
 * Scope}.
 */
public final class DuckDbSupport {

  private DuckDbSupport() {}

  /** One SQL step inside the caller's transaction. */
  @FunctionalInterface
  public interface SqlStep {
    void run(Connection c) throws SQLException;
  }

  /** Work inside one transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Statement s) throws SQLException;
  }

  /**
   * Runs {@code work} on {@code writer} (auto-commit off) under {@code lock} in one transaction:
   * commits, or rolls back, runs {@code afterRollback} (may be null) and rethrows.
   */
  public static <T> T inTransaction(
      Connection writer, Lock lock, Work<T> work, Work<?> afterRollback) throws SQLException {
    lock.lock();
    try (Statement s = writer.createStatement()) {
      try {
        T result = work.run(s);
        writer.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        writer.rollback();
        if (afterRollback != null) {
          afterRollback.run(s);
        }
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /** Closes a store's writer connection once no write is running. */
  public static void closeUnder(Connection writer, Lock lock) throws SQLException {
    lock.lock();
    try {
      writer.close();
    } finally {
      lock.unlock();
    }
  }

  /** Writes one batch of rows into a DuckDB Appender. */
  @FunctionalInterface
  public interface Rows {
    void appendTo(DuckDBAppender appender) throws SQLException;
  }

  /**
   * One transaction: sets {@code offsets}, loads the rows into the constraint-free {@code staging}
   * temp table (so the Appender never fails half-way), runs {@code insertFromStaging} (which
   * checks, de-duplicates and copies them into the real tables), commits. Any failure rolls back
   * rows and offsets together. Offsets go first so that the rollback provably covers them.
   */
  public static void appendWithOffsets(
      DuckDBConnection writer,
      Lock writeLock,
      Map<String, Long> offsets,
      String staging,
      Rows rows,
      SqlStep insertFromStaging)
      throws SQLException {
    appendWithOffsets(writer, writeLock, offsets, null, null, staging, rows, insertFromStaging);
  }

  /**
   * Appends a batch straight into its tables, inside the caller's transaction; returns false,
   * having written nothing, when it leaves the batch to the staging path.
   */
  @FunctionalInterface
  public interface DirectRows {
    boolean append(DuckDBConnection writer) throws SQLException;
  }

  /**
   * {@link #appendWithOffsets(DuckDBConnection, Lock, Map, String, Rows, SqlStep)} that first tries
   * the fast way: {@code direct} appends the rows straight into their tables, whose primary key
   * refuses any row already stored or repeated in the batch (the Appender fails the whole batch
   * then). On any failure of that attempt the transaction is rolled back, {@code afterRollback}
   * runs (e.g. to forget day tables created in it), and the batch goes the staging way, which
   * de-duplicates: so what is stored is the same either way, and a replayed batch costs one failed
   * attempt.
   */
  public static void appendWithOffsets(
      DuckDBConnection writer,
      Lock writeLock,
      Map<String, Long> offsets,
      DirectRows direct,
      SqlStep afterRollback,
      String staging,
      Rows rows,
      SqlStep insertFromStaging)
      throws SQLException {
    writeLock.lock();
    try {
      if (direct != null) {
        try {
          upsertOffsets(writer, offsets);
          if (direct.append(writer)) {
            writer.commit();
            return;
          }
          writer.rollback();
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(writer);
          if (afterRollback != null) {
            afterRollback.run(writer);
          }
        }
      }
      try {
        upsertOffsets(writer, offsets);
        try (Statement s = writer.createStatement()) {
          s.execute("DELETE FROM " + staging);
        }
        try (DuckDBAppender a = writer.createAppender("temp", "main", staging)) {
          rows.appendTo(a);
          // close() alone drops the rows of a failed flush without a word (DuckDB JDBC 1.4.1);
          // flush() reports it, and the batch rolls back.
          a.flush();
        }
        insertFromStaging.run(writer);
        try (Statement s = writer.createStatement()) {
          s.execute("DELETE FROM " + staging);
        }
        writer.commit();
      } catch (SQLException | RuntimeException e) {
        writer.rollback();
        throw e;
      }
    } finally {
      writeLock.unlock();
    }
  }

  /**
   * WAL size at which a commit checkpoints the database. DuckDB's default (16 MB) checkpoints every
   * few ingest batches, and each checkpoint writes the primary-key index out again, which grows
   * with the table; a larger threshold amortises that over more batches (spans and access logs: a
   * third to a half more rows per second in {@code docs/benchmarks/ingest.md}) at the cost of a
   * longer WAL replay after a crash and more memory for data not yet checkpointed.
   */
  public static final String CHECKPOINT_THRESHOLD = "256MB";

  /** Settings of a store's writer database, set once when it is opened. */
  public static void configureWriter(Statement s) throws SQLException {
    s.execute("SET checkpoint_threshold = '" + CHECKPOINT_THRESHOLD + "'");
  }

  private static void rollbackQuietly(Connection writer) {
    try {
      writer.rollback();
    } catch (SQLException e) {
      // A failed commit may have ended the transaction already.
    }
  }

  /** Creates the offsets table: {@code "topic/partition"} to the next offset to read. */
  public static void createOffsetsTable(Statement s) throws SQLException {
    s.execute(
        """
        CREATE TABLE IF NOT EXISTS kafka_offsets (
          topic_partition VARCHAR PRIMARY KEY,
          next_offset BIGINT NOT NULL)""");
  }

  /** Sets offsets inside the caller's open transaction. */
  public static void upsertOffsets(Connection writer, Map<String, Long> offsets)
      throws SQLException {
    if (offsets.isEmpty()) {
      return;
    }
    try (PreparedStatement p =
        writer.prepareStatement(
            "INSERT INTO kafka_offsets VALUES (?, ?) ON CONFLICT (topic_partition)"
                + " DO UPDATE SET next_offset = excluded.next_offset")) {
      for (Map.Entry<String, Long> e : offsets.entrySet()) {
        p.setString(1, e.getKey());
        p.setLong(2, e.getValue());
        p.execute();
      }
    }
  }

  /** The stored offsets, {@code "topic/partition"} to next offset, sorted by key. */
  public static Map<String, Long> readOffsets(Connection c) throws SQLException {
    Map<String, Long> out = new LinkedHashMap<>();
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery("SELECT topic_partition, next_offset FROM kafka_offsets ORDER BY 1")) {
      while (r.next()) {
        out.put(r.getString(1), r.getLong(2));
      }
    }
    return out;
  }

  /**
   * The SQL condition restricting {@code column} to the scope's tenants (their names appended to
   * {@code params}); {@code TRUE} only for {@link Scope#everything()}.
   */
  public static String scopeClause(Scope scope, String column, List<Object> params) {
    if (scope.isEverything()) {
      return "TRUE";
    }
    List<String> tenants = scope.tenantSet().stream().sorted().toList();
    params.addAll(tenants);
    return column + " IN (" + "?, ".repeat(tenants.size() - 1) + "?)";
  }

  /** A prepared statement with {@code params} bound in order. */
  public static PreparedStatement prepare(Connection c, String sql, List<Object> params)
      throws SQLException {
    PreparedStatement p = c.prepareStatement(sql);
    try {
      for (int i = 0; i < params.size(); i++) {
        p.setObject(i + 1, params.get(i));
      }
      return p;
    } catch (SQLException | RuntimeException e) {
      p.close();
      throw e;
    }
  }
}
