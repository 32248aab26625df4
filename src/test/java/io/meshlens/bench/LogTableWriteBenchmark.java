package io.meshlens.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * How fast DuckDB itself takes access log rows, without Kafka, decoding or attribution: the ceiling
 * of {@code store.logs.AccessLogStore}'s one writer. Rows have the store's columns and a raw line
 * of about 800 characters (the size of an Istio JSON access log line); they are written in batches
 * of 7,000 rows per transaction (about one poll of the ingest loop), through the Appender as the
 * store does, with and without the primary key and the raw line, and once by DuckDB's own bulk
 * {@code INSERT ... SELECT} from a Parquet file on one thread (no JNI per value).
 *
 * <p>Run: {@code ./mvnw -o -q -B test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.meshlens.bench.LogTableWriteBenchmark [-Dexec.args=780000]}. Results: {@code
 * docs/benchmarks/log-table-write.md}.
 */
public final class LogTableWriteBenchmark {

  private static final String COLUMNS =
      "tenant VARCHAR, cluster VARCHAR, namespace VARCHAR, pod VARCHAR, workload VARCHAR,"
          + " start_ms BIGINT, method VARCHAR, path VARCHAR, authority VARCHAR,"
          + " response_code INTEGER, response_flags VARCHAR, duration_ms BIGINT,"
          + " bytes_sent BIGINT, bytes_received BIGINT, upstream_cluster VARCHAR,"
          + " request_id VARCHAR, trace_id VARCHAR, direction VARCHAR, raw VARCHAR,"
          + " line_hash BIGINT, day INTEGER";
  private static final String PRIMARY_KEY =
      ", PRIMARY KEY (request_id, pod, direction, start_ms, line_hash)";
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
            () -> {
              appenderRun(rows, pk, raw);
              return null;
            });
      }
    }
    report(
        "INSERT ... SELECT from Parquet, 1 thread, primary key, raw line",
        rows,
        () -> bulkInsertRun(rows));
  }

  /** Returns the seconds to report, or null for the whole run's. */
  private interface Run {
    Double run() throws Exception;
  }

  private static void report(String what, int rows, Run run) throws Exception {
    long t0 = System.nanoTime();
    Double timed = run.run();
    double s = timed != null ? timed : (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "| %s | %.1f s | %,.0f rows/s |%n", what, s, rows / s);
  }

  private static DuckDBConnection open(String table, boolean pk) throws SQLException {
    Path dir;
    try {
      dir = Files.createTempDirectory("log-table-write");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    DuckDBConnection c =
        (DuckDBConnection) DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("t.duckdb"));
    try (Statement s = c.createStatement()) {
      s.execute("SET checkpoint_threshold = '256MB'");
      s.execute("CREATE TABLE " + table + " (" + COLUMNS + (pk ? PRIMARY_KEY : "") + ")");
    }
    return c;
  }

  private static void appenderRun(int rows, boolean pk, boolean withRaw) throws SQLException {
    Random r = new Random(1);
    String filler = filler(r);
    try (DuckDBConnection c = open("t", pk)) {
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
    }
  }

  /** Seconds of the INSERT alone, not of writing the Parquet file before it. */
  private static double bulkInsertRun(int rows) throws Exception {
    Path parquet = Files.createTempFile("log-rows", ".parquet");
    Files.delete(parquet);
    try (DuckDBConnection c = open("t", true);
        Statement s = c.createStatement()) {
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
    } finally {
      Files.deleteIfExists(parquet);
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
