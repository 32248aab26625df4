package io.meshlens.store.spans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.ingest.spans.SpanRecord;
import io.meshlens.store.Scope;
import io.meshlens.testdata.RealData;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.duckdb.DuckDBConnection;
import org.duckdb.DuckDBDriver;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Appender straight into the day tables against the de-duplicating staging way alone: the same
 * batches (new ones, a replay, a batch repeating a span, a producer's duplicate at a new offset,
 * spans of several days, batches the fast way leaves to the staging way) leave both stores with the
 * same spans and offsets. The replay also checks that the Appender is flushed before it is closed:
 * DuckDB JDBC 1.4.1's close() drops the rows of a failed flush silently, so a batch that repeats a
 * stored span would be committed with its new spans missing instead of going the staging way. On
 * real spans (OTLP example, Kiali's Tempo trace) and the simulator's.
 */
class SpanStoreDirectAppendTest {

  private static final List<StoredSpan> SPANS = new ArrayList<>();

  @TempDir Path fastDir;
  @TempDir Path referenceDir;

  @BeforeAll
  static void decode() {
    SpanDecoder decoder = new SpanDecoder();
    List<byte[]> messages = new ArrayList<>();
    for (String file :
        List.of(
            "otlp-proto__examples_trace.json", "kiali__tracing_tracingtest_responseTrace.json")) {
      messages.add(RealData.bytes(file));
    }
    messages.addAll(SimulatedMesh.get().spanProto());
    for (byte[] m : messages) {
      for (SpanRecord r : decoder.decode(m).value()) {
        SPANS.add(StoredSpan.of(r, r.namespace().isEmpty() ? "unassigned" : r.namespace()));
      }
    }
  }

  @Test
  void bothWaysStoreTheSameSpansAndOffsets() throws SQLException {
    assertThat(SPANS).hasSizeGreaterThan(1000);
    // The real spans (first) are of other days than the simulator's.
    TreeSet<Long> days = new TreeSet<>();
    SPANS.forEach(s -> days.add(Math.floorDiv(s.startMicros(), SpanStore.DAY_MICROS)));
    assertThat(days).hasSizeGreaterThan(1);
    List<List<StoredSpan>> batches = new ArrayList<>();
    for (int i = 0; i < SPANS.size(); i += 500) {
      batches.add(SPANS.subList(i, Math.min(SPANS.size(), i + 500)));
    }
    try (SpanStore fast = new SpanStore(fastDir);
        SpanStore reference = new SpanStore(referenceDir, false)) {
      long offset = 0;
      for (int b = 0; b < batches.size(); b++) {
        List<StoredSpan> batch = batches.get(b);
        offset += batch.size();
        both(fast, reference, batch, Map.of("spans/" + (b % 3), offset));
        if (b == 1) {
          // A replay after a crash: the first two batches again, at their own offsets.
          both(fast, reference, batches.get(0), Map.of("spans/0", 500L));
          both(fast, reference, batches.get(1), Map.of("spans/1", 1000L));
          // One span twice in a batch, and a new batch that repeats a stored span (a
          // Collector's retry lands at a new offset).
          List<StoredSpan> twice = List.of(batches.get(2).get(0), batches.get(2).get(0));
          both(fast, reference, twice, Map.of());
          List<StoredSpan> retry = new ArrayList<>(batches.get(2).subList(1, 50));
          retry.add(batches.get(0).get(3));
          both(fast, reference, retry, Map.of("spans/2", 60L));
        }
      }
      // Batches that the fast way leaves to the staging way: a start beyond 2^53 microseconds,
      // attributes that are JSON but not as Jackson writes them; and one that fails there as it
      // did before (a start before 1970 has no day table name).
      StoredSpan any = SPANS.get(SPANS.size() - 1);
      List<StoredSpan> before1970 =
          List.of(with(any, "00000000000000a1", -1, any.attributesJson()));
      assertThatThrownBy(() -> fast.append(before1970, Map.of("spans/0", 1L)))
          .isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> reference.append(before1970, Map.of("spans/0", 1L)))
          .isInstanceOf(SQLException.class);
      assertThat(fast.offsets()).isEqualTo(reference.offsets());
      both(
          fast,
          reference,
          List.of(with(any, "00000000000000a2", (1L << 53) + 5, any.attributesJson())),
          Map.of());
      both(
          fast,
          reference,
          List.of(with(any, "00000000000000a3", any.startMicros(), "{ \"k\" : [1, 2] }")),
          Map.of("spans/7", 3L));
      // Empty batches carry offsets too.
      both(fast, reference, List.of(), Map.of("spans/9", 7L));
      assertThat(expectedDirect).isGreaterThan(batches.size() / 2);
      assertThat(fast.directBatches()).isEqualTo(expectedDirect);
      assertThat(reference.directBatches()).isZero();

      assertThat(fast.count(Scope.everything()))
          .isEqualTo(reference.count(Scope.everything()))
          .isEqualTo(stored.size());
      Set<String> traces = new TreeSet<>();
      SPANS.forEach(s -> traces.add(s.traceId()));
      for (String trace : traces) {
        List<StoredSpan> expected = reference.trace(Scope.everything(), trace);
        assertThat(expected).isNotEmpty();
        assertThat(fast.trace(Scope.everything(), trace)).isEqualTo(expected);
      }
      for (long day : days) {
        long from = day * SpanStore.DAY_MICROS;
        SpanQuery q = SpanQuery.between(from, from + SpanStore.DAY_MICROS - 1, 1_000_000);
        List<TraceSummary> expected = reference.search(Scope.everything(), q);
        assertThat(expected).isNotEmpty();
        assertThat(fast.search(Scope.everything(), q)).isEqualTo(expected);
      }
    }
  }

  /** Attributes that are not JSON fail the batch either way, and nothing of it is stored. */
  @Test
  void attributesThatAreNotJsonFailTheBatchEitherWay() throws SQLException {
    StoredSpan any = SPANS.get(0);
    List<StoredSpan> batch =
        List.of(SPANS.get(1), with(any, "00000000000000b1", any.startMicros(), "not json"));
    for (Path dir : List.of(fastDir, referenceDir)) {
      try (SpanStore store = new SpanStore(dir, dir == fastDir)) {
        store.append(List.of(SPANS.get(2)), Map.of("spans/0", 1L));
        assertThatThrownBy(() -> store.append(batch, Map.of("spans/0", 5L)))
            .isInstanceOf(SQLException.class);
        assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 1L));
        assertThat(store.count(Scope.everything())).isEqualTo(1);
        assertThat(store.directBatches()).isEqualTo(dir == fastDir ? 1 : 0);
      }
    }
  }

  /**
   * A batch that a day table refuses (here a CHECK constraint; in production, say, a full disk)
   * fails either way and leaves the offsets where they were; without the refused span it goes
   * through.
   */
  @Test
  void aBatchTheTableRefusesFailsAndKeepsTheOffsets() throws SQLException {
    StoredSpan first = SPANS.get(SPANS.size() - 1);
    long day = Math.floorDiv(first.startMicros(), SpanStore.DAY_MICROS);
    for (Path dir : List.of(fastDir, referenceDir)) {
      try (DuckDBConnection c =
              (DuckDBConnection)
                  new DuckDBDriver()
                      .connect("jdbc:duckdb:" + dir.resolve("spans.duckdb"), new Properties());
          Statement s = c.createStatement()) {
        s.execute(
            "CREATE TABLE spans_d"
                + day
                + " (trace_id VARCHAR NOT NULL, span_id VARCHAR NOT NULL,"
                + " parent_span_id VARCHAR NOT NULL, tenant VARCHAR NOT NULL,"
                + " service VARCHAR NOT NULL CHECK (service <> 'refused'),"
                + " operation VARCHAR NOT NULL, kind VARCHAR NOT NULL,"
                + " start_micros BIGINT NOT NULL, duration_micros BIGINT NOT NULL,"
                + " status VARCHAR NOT NULL, attributes JSON NOT NULL, cluster VARCHAR NOT NULL,"
                + " namespace VARCHAR NOT NULL, day INTEGER NOT NULL,"
                + " PRIMARY KEY (trace_id, span_id))");
      }
      try (SpanStore store = new SpanStore(dir, dir == fastDir)) {
        store.append(List.of(first), Map.of("spans/0", 1L));
        List<StoredSpan> batch = new ArrayList<>();
        for (StoredSpan sp : SPANS) {
          if (Math.floorDiv(sp.startMicros(), SpanStore.DAY_MICROS) == day && sp != first) {
            batch.add(sp);
          }
        }
        assertThat(batch).hasSizeGreaterThan(10);
        StoredSpan t = batch.get(5);
        batch.set(
            5,
            new StoredSpan(
                t.traceId(),
                t.spanId(),
                t.parentSpanId(),
                t.tenant(),
                "refused",
                t.operation(),
                t.kind(),
                t.startMicros(),
                t.durationMicros(),
                t.status(),
                t.attributesJson(),
                t.cluster(),
                t.namespace(),
                false));
        assertThatThrownBy(() -> store.append(batch, Map.of("spans/0", 99L)))
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("CHECK");
        assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 1L));
        assertThat(store.count(Scope.everything())).isEqualTo(1);
        assertThat(store.directBatches()).isEqualTo(dir == fastDir ? 1 : 0);
        // Without the refused span the batch goes through.
        batch.remove(5);
        store.append(batch, Map.of("spans/0", 99L));
        assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 99L));
        assertThat(store.count(Scope.everything())).isEqualTo(batch.size() + 1);
      }
    }
  }

  private static StoredSpan with(StoredSpan s, String spanId, long startMicros, String json) {
    return new StoredSpan(
        s.traceId(),
        spanId,
        s.parentSpanId(),
        s.tenant(),
        s.service(),
        s.operation(),
        s.kind(),
        startMicros,
        s.durationMicros(),
        s.status(),
        json,
        s.cluster(),
        s.namespace(),
        false);
  }

  private static List<String> key(StoredSpan s) {
    return List.of(s.traceId(), s.spanId());
  }

  /** Spans stored so far, by key. */
  private final Set<List<String>> stored = new HashSet<>();

  /** Batches that repeat nothing and that the fast way can take. */
  private int expectedDirect;

  private void both(
      SpanStore fast, SpanStore reference, List<StoredSpan> batch, Map<String, Long> offsets)
      throws SQLException {
    Set<List<String>> keys = new HashSet<>();
    boolean staging = false;
    for (StoredSpan s : batch) {
      staging |= !keys.add(key(s)) || stored.contains(key(s));
      staging |= s.startMicros() < 0 || s.startMicros() >= 1L << 53;
      staging |= !JsonStrings.isObject(s.attributesJson());
    }
    stored.addAll(keys);
    if (!staging) {
      expectedDirect++;
    }
    fast.append(batch, offsets);
    reference.append(batch, offsets);
    assertThat(fast.offsets()).isEqualTo(reference.offsets());
    assertThat(fast.count(Scope.everything())).isEqualTo(reference.count(Scope.everything()));
  }
}
