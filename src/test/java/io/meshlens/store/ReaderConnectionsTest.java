package io.meshlens.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReaderConnectionsTest {

  @TempDir Path dir;

  private DuckDBConnection writer;

  @BeforeEach
  void open() throws SQLException {
    writer =
        (DuckDBConnection)
            new DuckDBDriver().connect("jdbc:duckdb:" + dir.resolve("t.duckdb"), new Properties());
    try (Statement s = writer.createStatement()) {
      s.execute("CREATE TABLE t (v INTEGER)");
      s.execute("INSERT INTO t VALUES (1), (2)");
    }
  }

  @AfterEach
  void close() throws SQLException {
    writer.close();
  }

  /** A temporary table lives in one connection only: it tells which connection a read got. */
  private static void mark(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE TEMP TABLE mark (v INTEGER)");
    }
  }

  private static boolean marked(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r =
            s.executeQuery("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mark'")) {
      r.next();
      return r.getLong(1) > 0;
    }
  }

  private static long sum(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT sum(v) FROM t")) {
      r.next();
      return r.getLong(1);
    }
  }

  @Test
  void aClosedReadConnectionServesTheNextReadAndSeesNewCommits() throws SQLException {
    try (ReaderConnections readers = new ReaderConnections(writer, 2)) {
      try (Connection c = readers.get()) {
        mark(c);
        assertThat(sum(c)).isEqualTo(3);
      }
      assertThat(readers.idle()).isEqualTo(1);
      try (Statement s = writer.createStatement()) {
        s.execute("INSERT INTO t VALUES (4)");
      }
      try (Connection c = readers.get()) {
        assertThat(marked(c)).isTrue();
        assertThat(sum(c)).isEqualTo(7);
      }
    }
  }

  @Test
  void readsAtOnceGetTheirOwnConnectionsAndOnlyMaxIdleAreKept() throws SQLException {
    try (ReaderConnections readers = new ReaderConnections(writer, 2)) {
      List<Connection> open = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Connection c = readers.get();
        assertThat(marked(c)).isFalse();
        mark(c);
        open.add(c);
      }
      for (Connection c : open) {
        c.close();
      }
      assertThat(readers.idle()).isEqualTo(2);
    }
  }

  @Test
  void aReturnedConnectionCannotBeUsedAndClosingTwiceReturnsItOnce() throws SQLException {
    try (ReaderConnections readers = new ReaderConnections(writer, 2)) {
      Connection c = readers.get();
      c.close();
      c.close();
      assertThat(c.isClosed()).isTrue();
      assertThat(readers.idle()).isEqualTo(1);
      assertThatThrownBy(c::createStatement)
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("closed");
    }
  }

  @Test
  void readConnectionsOfAWriterOutsideAutoCommitAreKeptAndSeeOnlyItsCommits() throws SQLException {
    writer.setAutoCommit(false); // as every store keeps its writer
    try (ReaderConnections readers = new ReaderConnections(writer, 2)) {
      try (Connection c = readers.get()) {
        assertThat(c.getAutoCommit()).isTrue();
        mark(c);
        assertThat(sum(c)).isEqualTo(3);
      }
      assertThat(readers.idle()).isEqualTo(1);
      try (Statement s = writer.createStatement()) {
        s.execute("INSERT INTO t VALUES (4)");
      }
      try (Connection c = readers.get()) {
        assertThat(marked(c)).isTrue();
        assertThat(sum(c)).isEqualTo(3);
      }
      writer.commit();
      try (Connection c = readers.get()) {
        assertThat(marked(c)).isTrue();
        assertThat(sum(c)).isEqualTo(7);
      }
      assertThat(readers.idle()).isEqualTo(1);
    }
  }

  @Test
  void aConnectionLeftInATransactionIsNotKept() throws SQLException {
    try (ReaderConnections readers = new ReaderConnections(writer, 2)) {
      try (Connection c = readers.get()) {
        c.setAutoCommit(false);
      }
      assertThat(readers.idle()).isZero();
    }
  }

  @Test
  void afterCloseNoReadStartsAndAConnectionStillOutIsClosedWhenReturned() throws SQLException {
    ReaderConnections readers = new ReaderConnections(writer, 2);
    try (Connection waiting = readers.get()) {
      assertThat(sum(waiting)).isEqualTo(3);
    }
    Connection out = readers.get();
    readers.close();
    assertThat(readers.idle()).isZero();
    assertThatThrownBy(readers::get).isInstanceOf(SQLException.class);
    assertThat(sum(out)).isEqualTo(3);
    out.close();
    assertThat(readers.idle()).isZero();
  }
}
