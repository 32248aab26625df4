package io.meshlens.bench;

import io.meshlens.store.DuckDbSupport;
import io.meshlens.store.logs.AccessLogStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * How fast DuckDB itself takes access log rows, without Kafka, decoding or attribution: the ceiling
 * of {@code store.logs.AccessLogStore}'s one writer. Rows go into a table made of the store's own
 * columns, constraints and primary key (the constants of {@code AccessLogStore}), and a raw line of
 * about 800 characters (the size of an Istio JSON access log line); they are written in batches of
 * 7,000 rows per transaction (about one poll of the ingest loop), through the Appender as the store
 * does, with and without the primary key and the raw line, and once by DuckDB's own bulk {@code
 * INSERT ... SELECT} from a Parquet file on one thread (no JNI per value).
 *
 * <p>Run: {@code ./mvnw -o -q -B test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.meshlens.bench.LogTableWriteBenchmark [-Dexec.args=780000]}. Results: {@code
 * docs/benchmarks/log-table-write.md}.
 */
public final class LogTableWriteBenchmark {

  private static final int BATCH = 7_000;

  private LogTableWriteBenchmark() {}

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 780_000;
    System.out.printf(
        Locale.ROOT,
        "%d rows, %d per transaction, %d cores, %s%n",
        rows,
        BATCH,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"));
    for (boolean pk : new boolean[] {true, false}) {
      for (boolean raw : new boolean[] {true, false}) {
        report(
            "appender" + (pk ? ", primary key" : "") + (raw ? ", raw line" : ""),
            rows,
            appenderRun(rows, pk, raw));
      }
    }
    report(
        "INSERT ... SELECT from Parquet, 1 thread, primary key, raw line",
        rows,
        bulkInsertRun(rows));
  }

  private static void report(String what, int rows, double seconds) {
    System.out.printf(
        Locale.ROOT, "| %s | %.1f s | %,.0f rows/s |%n", what, seconds, rows / seconds);
  }

  /** What a run does with its database; returns the seconds to report. */
  private interface Run {
    double run(DuckDBConnection c) throws Exception;
  }

  /**
   * Runs {@code run} on a new database in a temporary directory holding one day table as the store
   * makes it (its columns, constraints, primary key when {@code pk}, its writer settings), and
   * deletes the directory after.
   */
  private static double withTable(boolean pk, Run run) throws Exception {
    Path dir = Files.createTempDirectory("log-table-write");
    try (DuckDBConnection c =
            (DuckDBConnection)
                DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("t.duckdb"));
        Statement s = c.createStatement()) {
      DuckDbSupport.configureWriter(s);
      s.execute(
          "CREATE TABLE t ("
              + AccessLogStore.FIELDS
              + ", day INTEGER NOT NULL"
              + (pk ? ", " + AccessLogStore.PRIMARY_KEY : "")
              + ")");
      return run.run(c);
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
    }
  }

  private static double appenderRun(int rows, boolean pk, boolean withRaw) throws Exception {
    Random r = new Random(1);
    String filler = filler(r);
    return withTable(
        pk,
        c -> {
          long t0 = System.nanoTime();
          c.setAutoCommit(false);
          int n = 0;
          while (n < rows) {
            try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "t")) {
              for (int i = 0; i < BATCH && n < rows; i++, n++) {
                String requestId = UUID.randomUUID().toString();
                a.beginRow()
                    .append("tenant-" + (n % 200))
                    .append("cluster-" + (n % 3))
                    .append("ns-" + (n % 400))
                    .append("pod-" + (n % 2490))
                    .append("workload-" + (n % 800))
                    .append(1_700_000_000_000L + n)
                    .append("GET")
                    .append("/api/v1/items/" + (n % 1000))
                    .append("reviews.bookinfo.svc.cluster.local")
                    .append(200)
                    .append("-")
                    .append((long) (n % 500))
                    .append(1234L)
                    .append(567L)
                    .append("outbound|9080||reviews.bookinfo.svc.cluster.local")
                    .append(requestId)
                    .append(Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()))
                    .append("outbound")
                    .append(withRaw ? requestId + filler.substring(n % 100, 700 + n % 100) : "")
                    .append(r.nextLong())
                    .append(19_700)
                    .endRow();
              }
              a.flush();
            }
            c.commit();
          }
          return (System.nanoTime() - t0) / 1e9;
        });
  }

  /** Seconds of the INSERT alone, not of writing the Parquet file before it. */
  private static double bulkInsertRun(int rows) throws Exception {
    Path parquet = Files.createTempFile("log-rows", ".parquet");
    Files.delete(parquet);
    try {
      return withTable(true, c -> bulkInsert(c, rows, parquet));
    } finally {
      Files.deleteIfExists(parquet);
    }
  }

  private static double bulkInsert(DuckDBConnection c, int rows, Path parquet) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(
          "COPY (SELECT 'tenant-' || (i % 200), 'cluster-' || (i % 3), 'ns-' || (i % 400),"
              + " 'pod-' || (i % 2490), 'workload-' || (i % 800), 1700000000000 + i, 'GET',"
              + " '/api/v1/items/' || (i % 1000), 'reviews.bookinfo.svc.cluster.local', 200, '-',"
              + " (i % 500)::BIGINT, 1234::BIGINT, 567::BIGINT,"
              + " 'outbound|9080||reviews.bookinfo.svc.cluster.local', uuid()::VARCHAR,"
              + " md5(i::VARCHAR), 'outbound', uuid()::VARCHAR || repeat(md5(i::VARCHAR), 24),"
              + " (hash(i) >> 1)::BIGINT, 19700 FROM range("
              + rows
              + ") r(i)) TO '"
              + parquet
              + "'");
      s.execute("SET threads = 1");
      long t0 = System.nanoTime();
      s.execute("INSERT INTO t SELECT * FROM '" + parquet + "'");
      return (System.nanoTime() - t0) / 1e9;
    }
  }

  private static String filler(Random r) {
    StringBuilder sb = new StringBuilder(800);
    for (int i = 0; i < 800; i++) {
      sb.append((char) ('a' + r.nextInt(26)));
    }
    return sb.toString();
  }
}
