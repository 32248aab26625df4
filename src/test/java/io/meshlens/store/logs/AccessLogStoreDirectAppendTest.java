package io.meshlens.store.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.store.Scope;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Appender straight into the day tables against the de-duplicating staging way alone: the same
 * batches (new ones, a replay, a batch repeating an entry, a producer's duplicate at a new offset,
 * entries of several days) leave both stores with the same entries and offsets, on real Istio
 * access log lines (JSON, waypoint TEXT, ztunnel) and the simulator's.
 */
class AccessLogStoreDirectAppendTest {

  private static final List<StoredLog> LOGS = new ArrayList<>();

  @TempDir Path fastDir;
  @TempDir Path referenceDir;

  @BeforeAll
  static void decode() {
    AccessLogDecoder decoder = new AccessLogDecoder();
    List<String> lines = new ArrayList<>();
    lines.addAll(
        RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().toList());
    lines.addAll(RealData.read("kiali__tests_data_logs_waypoint.log").lines().toList());
    lines.addAll(RealData.read("kiali__tests_data_logs_ztunnel.log").lines().toList());
    SimulatedMesh mesh = SimulatedMesh.get();
    lines.addAll(mesh.accessLogLines);
    for (String line : lines) {
      var result = decoder.decode(line.getBytes(StandardCharsets.UTF_8), "east");
      if (!result.isOk()) {
        continue;
      }
      for (AccessLogRecord r : result.value()) {
        String ns = r.namespace().isEmpty() ? r.destinationNamespace() : r.namespace();
        LOGS.add(StoredLog.of(r, ns.isEmpty() ? "unassigned" : ns, ""));
      }
    }
  }

  @Test
  void bothWaysStoreTheSameEntriesAndOffsets() throws SQLException {
    assertThat(LOGS).hasSizeGreaterThan(1000);
    // The real lines (first) are of other days than the simulator's.
    TreeSet<Long> days = new TreeSet<>();
    LOGS.forEach(l -> days.add(Math.floorDiv(l.startTimeMs(), AccessLogStore.DAY_MS)));
    assertThat(days).hasSizeGreaterThan(1);
    List<List<StoredLog>> batches = new ArrayList<>();
    for (int i = 0; i < LOGS.size(); i += 500) {
      batches.add(LOGS.subList(i, Math.min(LOGS.size(), i + 500)));
    }
    try (AccessLogStore fast = new AccessLogStore(fastDir);
        AccessLogStore reference = new AccessLogStore(referenceDir, false)) {
      long offset = 0;
      for (int b = 0; b < batches.size(); b++) {
        List<StoredLog> batch = batches.get(b);
        offset += batch.size();
        Map<String, Long> offsets = Map.of("logs/" + (b % 3), offset);
        both(fast, reference, batch, offsets);
        if (b == 1) {
          // A replay after a crash: the first two batches again, at their own offsets.
          both(fast, reference, batches.get(0), Map.of("logs/0", 500L));
          both(fast, reference, batches.get(1), Map.of("logs/1", 1000L));
          // One entry twice in a batch, and a new batch that repeats a stored entry (a
          // forwarder's retry lands at a new offset).
          List<StoredLog> twice = List.of(batches.get(2).get(0), batches.get(2).get(0));
          both(fast, reference, twice, Map.of());
          List<StoredLog> retry = new ArrayList<>(batches.get(2).subList(1, 50));
          retry.add(batches.get(0).get(3));
          both(fast, reference, retry, Map.of("logs/2", 60L));
        }
      }
      // Empty batches carry offsets too.
      both(fast, reference, List.of(), Map.of("logs/9", 7L));
      assertThat(expectedDirect).isGreaterThan(batches.size() / 2);
      assertThat(fast.directBatches()).isEqualTo(expectedDirect);
      assertThat(reference.directBatches()).isZero();

      assertThat(fast.count(Scope.everything()))
          .isEqualTo(reference.count(Scope.everything()))
          .isEqualTo(LOGS.stream().map(AccessLogStoreDirectAppendTest::key).distinct().count());
      for (long day : days) {
        long from = day * AccessLogStore.DAY_MS;
        LogQuery q = LogQuery.between(from, from + AccessLogStore.DAY_MS, 1_000_000);
        List<StoredLog> expected = reference.search(Scope.everything(), q);
        assertThat(expected).isNotEmpty();
        assertThat(fast.search(Scope.everything(), q)).isEqualTo(expected);
      }
    }
  }

  private static List<Object> key(StoredLog l) {
    return List.of(l.requestId(), l.pod(), l.direction(), l.startTimeMs(), l.lineHash());
  }

  /** Entries stored so far, by key. */
  private final Set<List<Object>> stored = new HashSet<>();

  /** Batches that repeat nothing, within or against what is stored: the fast way takes them. */
  private int expectedDirect;

  private void both(
      AccessLogStore fast,
      AccessLogStore reference,
      List<StoredLog> batch,
      Map<String, Long> offsets)
      throws SQLException {
    Set<List<Object>> keys = new HashSet<>();
    boolean repeats = false;
    for (StoredLog l : batch) {
      repeats |= !keys.add(key(l)) || stored.contains(key(l));
    }
    stored.addAll(keys);
    if (!repeats) {
      expectedDirect++;
    }
    fast.append(batch, offsets);
    reference.append(batch, offsets);
    assertThat(fast.offsets()).isEqualTo(reference.offsets());
    assertThat(fast.count(Scope.everything())).isEqualTo(reference.count(Scope.everything()));
  }
}
