package io.meshlens.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;
import java.util.function.LongFunction;

/**
 * A DuckDB table partitioned by UTC day: one table per day ({@code <name>_d<epoch day>}) behind a
 * view named {@code <name>}, so every query reads {@code <name>} as one table while retention drops
 * a whole day's table at once. Rows go to the table of their day; each day table carries the
 * primary key, so a replay of the same rows lands on the same day and is ignored.
 *
 * <p>All methods run on the store's writer connection, inside its transaction and under its write
 * lock; the view is replaced in the same transaction as the tables it covers.
 */
public final class DayTables {

  private final String name;
  private final String columns;
  private final TreeSet<Long> days = new TreeSet<>();
  private boolean legacy;

  /**
   * @param name the view's name
   * @param columns the column definitions, a {@code day INTEGER} column and the primary key, as in
   *     {@code CREATE TABLE x (<columns>)}
   */
  public DayTables(String name, String columns) {
    this.name = name;
    this.columns = columns;
  }

  /**
   * Creates what is missing and the view. A base table named {@code <name>}, the layout before day
   * tables, is kept as {@code <name>_legacy} inside the view until retention empties it.
   */
  public void open(Statement s) throws SQLException {
    if (tableExists(s, name)) {
      s.execute("ALTER TABLE " + name + " RENAME TO " + name + "_legacy");
    }
    s.execute("CREATE TABLE IF NOT EXISTS " + name + "_template (" + columns + ")");
    resync(s);
    replaceView(s);
  }

  /**
   * Reads back which day tables exist: after a rolled-back transaction the bookkeeping may name
   * tables that were never committed.
   */
  public void resync(Statement s) throws SQLException {
    legacy = tableExists(s, name + "_legacy");
    days.clear();
    try (ResultSet r =
        s.executeQuery(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '"
                + name
                + "\\_d%' ESCAPE '\\'")) {
      while (r.next()) {
        days.add(Long.parseLong(r.getString(1).substring(name.length() + 2)));
      }
    }
  }

  private static boolean tableExists(Statement s, String table) throws SQLException {
    try (ResultSet r =
        s.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE table_name = '" + table + "'")) {
      r.next();
      return r.getLong(1) > 0;
    }
  }

  /** The table of {@code day}. */
  public String table(long day) {
    return name + "_d" + day;
  }

  private void replaceView(Statement s) throws SQLException {
    StringBuilder sql =
        new StringBuilder("CREATE OR REPLACE VIEW ")
            .append(name)
            .append(" AS SELECT * FROM ")
            .append(name)
            .append("_template");
    if (legacy) {
      sql.append(" UNION ALL SELECT * FROM ").append(name).append("_legacy");
    }
    for (long day : days) {
      sql.append(" UNION ALL SELECT * FROM ").append(table(day));
    }
    s.execute(sql.toString());
  }

  /**
   * Copies the staged rows into their day tables, creating the tables (and the view) that are new.
   *
   * @param dayExpression SQL giving a staged row's day, e.g. {@code CAST(floor(start_ms / 86400000)
   *     AS INTEGER)}
   * @param selectForDay the {@code SELECT} (from the staging table) of one day's rows, in the
   *     table's column order
   */
  public void insert(
      Connection c, String staging, String dayExpression, LongFunction<String> selectForDay)
      throws SQLException {
    List<Long> staged = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT DISTINCT " + dayExpression + " FROM " + staging)) {
      while (r.next()) {
        staged.add(r.getLong(1));
      }
    }
    try (Statement s = c.createStatement()) {
      ensure(s, staged);
      for (long day : staged) {
        s.execute("INSERT OR IGNORE INTO " + table(day) + " " + selectForDay.apply(day));
      }
    }
  }

  /**
   * Creates the tables of {@code wanted} days that are missing, and the view over them, in the
   * caller's transaction (after a rollback the caller calls {@link #resync}).
   */
  public void ensure(Statement s, Iterable<Long> wanted) throws SQLException {
    List<Long> added = new ArrayList<>();
    for (long day : wanted) {
      if (!days.contains(day)) {
        s.execute("CREATE TABLE IF NOT EXISTS " + table(day) + " (" + columns + ")");
        added.add(day);
      }
    }
    if (!added.isEmpty()) {
      days.addAll(added);
      replaceView(s);
    }
  }

  /**
   * Drops every day before {@code firstKeptDay} whole (legacy rows by their day), and replaces the
   * view; the caller commits, or rolls back and calls {@link #resync}.
   *
   * @return the number of day tables dropped
   */
  public int dropBefore(Statement s, long firstKeptDay) throws SQLException {
    List<Long> old = new ArrayList<>(days.headSet(firstKeptDay));
    for (long day : old) {
      s.execute("DROP TABLE IF EXISTS " + table(day));
    }
    if (legacy) {
      s.execute("DELETE FROM " + name + "_legacy WHERE day < " + firstKeptDay);
    }
    days.removeAll(old);
    replaceView(s);
    return old.size();
  }

  /**
   * Deletes the rows matching {@code where} (an SQL condition) from every day before {@code
   * firstKeptDay}: a tenant's shorter retention inside days the others still keep. The caller
   * commits.
   *
   * @return the number of rows deleted
   */
  public long deleteBefore(Statement s, long firstKeptDay, String where) throws SQLException {
    long deleted = 0;
    for (long day : days.headSet(firstKeptDay)) {
      deleted += s.executeUpdate("DELETE FROM " + table(day) + " WHERE " + where);
    }
    if (legacy) {
      deleted +=
          s.executeUpdate(
              "DELETE FROM " + name + "_legacy WHERE day < " + firstKeptDay + " AND " + where);
    }
    return deleted;
  }

  /**
   * {@link #dropBefore(Statement, long)} in its own transaction on {@code writer}.
   *
   * @return the number of day tables dropped
   */
  public int dropBefore(Connection writer, Lock lock, long firstKeptDay) throws SQLException {
    return DuckDbSupport.inTransaction(
        writer, lock, s -> dropBefore(s, firstKeptDay), this::resyncQuietly);
  }

  /**
   * Deletes {@code tenant}'s rows from every day before {@code firstKeptDay}, in its own
   * transaction on {@code writer}: a tenant retention shorter than the store's.
   *
   * @return the number of rows deleted
   */
  public long deleteTenantBefore(Connection writer, Lock lock, long firstKeptDay, String tenant)
      throws SQLException {
    String where = "tenant = '" + tenant.replace("'", "''") + "'";
    return DuckDbSupport.inTransaction(
        writer, lock, s -> deleteBefore(s, firstKeptDay, where), null);
  }

  private Void resyncQuietly(Statement s) throws SQLException {
    resync(s);
    return null;
  }

  /** Reads back which day tables exist, in its own statement on {@code writer}. */
  public void resync(Connection writer, Lock lock) throws SQLException {
    lock.lock();
    try (Statement s = writer.createStatement()) {
      resync(s);
    } finally {
      lock.unlock();
    }
  }

  /** The days with a table, oldest first. */
  public List<Long> days() {
    return List.copyOf(days);
  }
}
