package io.meshlens.bench;

import io.meshlens.store.DuckDbSupport;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.logs.LineChunks;
import io.meshlens.testdata.TempFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/**
 * How fast the access log store's writer can take rows, without Kafka, decoding or attribution: the
 * ceiling of {@code store.logs.AccessLogStore}'s one writer. Rows go into a table made of the
 * store's own columns, constraints and primary key (the constants of {@code AccessLogStore}) with a
 * raw line of about 800 characters (the size of an Istio JSON access log line), in batches of 7,000
 * rows per transaction (about one poll of the ingest loop), through the Appender as the store does.
 * Cases: the store's layout (each line into {@link LineChunks}, forced to disk, its reference into
 * the row), the same without the primary key, the rows without their lines, and the earlier layout
 * that kept the line in a DuckDB column.
 *
 * <p>Run: {@code ./mvnw -o -q -B test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.meshlens.bench.LogTableWriteBenchmark [-Dexec.args=780000]}. Results: {@code
 * docs/benchmarks/log-table-write.md}.
 */
public final class LogTableWriteBenchmark {

  private static final int BATCH = 7_000;

  /** Tenants the rows belong to, in turn. */
  private static final int TENANTS = 200;

  private LogTableWriteBenchmark() {}

  /** Where a run puts the raw lines. */
  private enum Lines {
    CHUNKS,
    NONE,
    COLUMN
  }

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 780_000;
    System.out.printf(
        Locale.ROOT,
        "%d rows, %d per transaction, %d cores, %s%n",
        rows,
        BATCH,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"));
    report(
        "the store's layout: appender, primary key, lines in LineChunks",
        rows,
        appenderRun(rows, true, Lines.CHUNKS));
    report(
        "appender, no primary key, lines in LineChunks",
        rows,
        appenderRun(rows, false, Lines.CHUNKS));
    report("appender, primary key, no lines", rows, appenderRun(rows, true, Lines.NONE));
    report(
        "the earlier layout: appender, primary key, lines in a DuckDB column",
        rows,
        appenderRun(rows, true, Lines.COLUMN));
  }

  private static void report(String what, int rows, double seconds) {
    System.out.printf(
        Locale.ROOT, "| %s | %.1f s | %,.0f rows/s |%n", what, seconds, rows / seconds);
  }

  /** What a run does with its database and line files; returns the seconds to report. */
  private interface Run {
    double run(DuckDBConnection c, LineChunks chunks) throws Exception;
  }

  /**
   * Runs {@code run} on a new database in a temporary directory holding one day table as the store
   * makes it (its columns, constraints, primary key when {@code pk}, its writer settings; a raw
   * line column for the earlier layout) and line files beside it, and deletes the directory after.
   */
  private static double withTable(boolean pk, Lines lines, Run run) throws Exception {
    Path dir = Files.createTempDirectory("log-table-write");
    try (DuckDBConnection c =
            (DuckDBConnection)
                DriverManager.getConnection("jdbc:duckdb:" + dir.resolve("t.duckdb"));
        Statement s = c.createStatement();
        LineChunks chunks = new LineChunks(dir.resolve("lines"))) {
      DuckDbSupport.configureWriter(s);
      s.execute(
          "CREATE TABLE t ("
              + AccessLogStore.FIELDS
              + ", day INTEGER NOT NULL"
              + (lines == Lines.COLUMN ? ", raw VARCHAR NOT NULL" : "")
              + (pk ? ", " + AccessLogStore.PRIMARY_KEY : "")
              + ")");
      return run.run(c, chunks);
    } finally {
      TempFiles.deleteRecursively(dir);
    }
  }

  private static double appenderRun(int rows, boolean pk, Lines lines) throws Exception {
    Random r = new Random(1);
    String filler = filler(r);
    return withTable(
        pk,
        lines,
        (c, chunks) -> {
          long t0 = System.nanoTime();
          c.setAutoCommit(false);
          int n = 0;
          while (n < rows) {
            int size = Math.min(BATCH, rows - n);
            String[] ids = new String[size];
            List<byte[]> raw = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
              ids[i] = UUID.randomUUID().toString();
              raw.add(
                  (ids[i] + filler.substring((n + i) % 100, 700 + (n + i) % 100))
                      .getBytes(StandardCharsets.UTF_8));
            }
            long[] refs = new long[size];
            if (lines == Lines.CHUNKS) {
              // As the store writes them: each tenant's lines in blocks of their own.
              List<List<byte[]>> groups = new ArrayList<>();
              for (int t = 0; t < TENANTS; t++) {
                groups.add(new ArrayList<>());
              }
              for (int i = 0; i < size; i++) {
                groups.get((n + i) % TENANTS).add(raw.get(i));
              }
              long[][] byTenant = chunks.append(19_700, groups);
              int[] next = new int[TENANTS];
              for (int i = 0; i < size; i++) {
                int t = (n + i) % TENANTS;
                refs[i] = byTenant[t][next[t]++];
              }
            }
            try (DuckDBAppender a = c.createAppender(DuckDBConnection.DEFAULT_SCHEMA, "t")) {
              for (int i = 0; i < size; i++, n++) {
                a.beginRow()
                    .append("tenant-" + (n % TENANTS))
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
                    .append("via_upstream")
                    .append((long) (n % 500))
                    .append(1234L)
                    .append(567L)
                    .append("outbound|9080||reviews.bookinfo.svc.cluster.local")
                    .append(ids[i])
                    .append(Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong()))
                    .append("outbound")
                    .append(refs[i])
                    .append(lines == Lines.NONE ? 0 : raw.get(i).length)
                    .append(r.nextLong())
                    .append(19_700);
                if (lines == Lines.COLUMN) {
                  a.append(new String(raw.get(i), StandardCharsets.UTF_8));
                }
                a.endRow();
              }
              a.flush();
            }
            c.commit();
          }
          return (System.nanoTime() - t0) / 1e9;
        });
  }

  private static String filler(Random r) {
    StringBuilder sb = new StringBuilder(800);
    for (int i = 0; i < 800; i++) {
      sb.append((char) ('a' + r.nextInt(26)));
    }
    return sb.toString();
  }
}
