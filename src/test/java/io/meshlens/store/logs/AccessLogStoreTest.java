package io.meshlens.store.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.store.Scope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The access log store on simulator lines: scope, replay, atomicity, search, counts, retention. */
class AccessLogStoreTest {

  private static final long START = SimulatedMesh.START.toEpochMilli();
  private static final long END = START + 120_000;

  /** Newest first, ties as the store breaks them. */
  private static final Comparator<StoredLog> NEWEST_FIRST =
      Comparator.comparingLong((StoredLog l) -> -l.startTimeMs())
          .thenComparing(StoredLog::pod)
          .thenComparing(StoredLog::requestId)
          .thenComparing(StoredLog::direction)
          .thenComparingLong(StoredLog::lineHash);

  private static List<StoredLog> logs;

  @TempDir Path dir;

  @BeforeAll
  static void decode() {
    SimulatedMesh mesh = SimulatedMesh.get();
    AccessLogDecoder decoder = new AccessLogDecoder();
    List<StoredLog> decoded = new ArrayList<>();
    for (int i = 0; i < mesh.accessLogLines.size(); i++) {
      byte[] line = mesh.accessLogLines.get(i).getBytes(StandardCharsets.UTF_8);
      for (AccessLogRecord r : decoder.decode(line, mesh.accessLogLineClusters.get(i)).value()) {
        decoded.add(StoredLog.of(r, tenantOf(r), r.extra().getOrDefault("k8s.pod.label.app", "")));
      }
    }
    // The store keeps one entry per content key; the simulator should not repeat one.
    Map<List<Object>, StoredLog> unique = new java.util.LinkedHashMap<>();
    for (StoredLog l : decoded) {
      unique.putIfAbsent(key(l), l);
    }
    assertThat(unique).hasSize(decoded.size());
    logs = decoded;
  }

  private static List<Object> key(StoredLog l) {
    return List.of(l.requestId(), l.pod(), l.direction(), l.startTimeMs(), l.lineHash());
  }

  /** Attribution is the caller's: here the proxy's namespace, else the destination's. */
  private static String tenantOf(AccessLogRecord r) {
    String ns = r.namespace().isEmpty() ? r.destinationNamespace() : r.namespace();
    return ns.isEmpty() ? "unassigned" : ns;
  }

  private static Set<String> tenants() {
    return logs.stream().map(StoredLog::tenant).collect(Collectors.toCollection(TreeSet::new));
  }

  private AccessLogStore loaded() throws SQLException {
    AccessLogStore store = new AccessLogStore(dir);
    store.append(logs, Map.of("logs/0", 500L));
    return store;
  }

  @Test
  void storesEveryEntryOnce() throws SQLException {
    try (AccessLogStore store = loaded()) {
      assertThat(logs).hasSizeGreaterThan(1000);
      assertThat(store.count(Scope.everything())).isEqualTo(logs.size());
      assertThat(store.offsets()).containsExactly(Map.entry("logs/0", 500L));
      StoredLog newest = logs.stream().min(NEWEST_FIRST).orElseThrow();
      assertThat(store.search(Scope.everything(), LogQuery.between(START, END, 1)))
          .containsExactly(newest);
    }
  }

  @Test
  void everyReadKeepsToTheScope() throws SQLException {
    try (AccessLogStore store = loaded()) {
      assertThat(tenants()).hasSizeGreaterThan(2);
      for (String tenant : tenants()) {
        Scope scope = Scope.tenants(Set.of(tenant));
        List<StoredLog> own = logs.stream().filter(l -> l.tenant().equals(tenant)).toList();
        assertThat(store.count(scope)).isEqualTo(own.size());
        assertThat(store.search(scope, LogQuery.between(START, END, 1_000_000)))
            .containsExactlyElementsOf(own.stream().sorted(NEWEST_FIRST).toList());
        assertThat(store.countsBy(scope, "tenant", START, END, 1_000_000, null))
            .extracting(CountPoint::value)
            .containsOnly(tenant);
        assertThat(
                store.countsBy(scope, "response_code", START, END, 10_000, null).stream()
                    .mapToLong(CountPoint::count)
                    .sum())
            .isEqualTo(own.size());
      }
      Scope nobody = Scope.tenants(Set.of("nobody"));
      assertThat(store.count(nobody)).isZero();
      assertThat(store.search(nobody, LogQuery.between(START, END, 100))).isEmpty();
      assertThat(store.countsBy(nobody, "response_code", START, END, 10_000, null)).isEmpty();
      // Two tenants together see exactly the union.
      List<String> two = tenants().stream().limit(2).toList();
      assertThat(store.count(Scope.tenants(Set.copyOf(two))))
          .isEqualTo(logs.stream().filter(l -> two.contains(l.tenant())).count());
    }
  }

  @Test
  void replayingABatchStoresNothingTwiceAndAdvancesTheOffsets() throws SQLException {
    try (AccessLogStore store = new AccessLogStore(dir)) {
      store.append(logs, Map.of("logs/0", 100L, "logs/1", 3L));
      store.append(logs, Map.of("logs/0", 200L));
      store.append(List.of(logs.get(0), logs.get(0)), Map.of());
      assertThat(store.count(Scope.everything())).isEqualTo(logs.size());
      assertThat(store.offsets())
          .containsExactlyInAnyOrderEntriesOf(Map.of("logs/0", 200L, "logs/1", 3L));
    }
  }

  @Test
  void aFailingBatchStoresNeitherEntriesNorOffsets() throws SQLException {
    StoredLog good = logs.get(100);
    StoredLog l = logs.get(101);
    StoredLog bad =
        new StoredLog(
            l.tenant(),
            l.cluster(),
            l.namespace(),
            l.pod(),
            l.workload(),
            l.startTimeMs(),
            l.method(),
            l.path(),
            l.authority(),
            l.responseCode(),
            l.responseFlags(),
            l.responseCodeDetails(),
            -1,
            l.bytesSent(),
            l.bytesReceived(),
            l.upstreamCluster(),
            l.requestId(),
            l.traceId(),
            l.direction(),
            l.raw());
    try (AccessLogStore store = new AccessLogStore(dir)) {
      store.append(logs.subList(0, 100), Map.of("logs/0", 100L));
      assertThatThrownBy(() -> store.append(List.of(good, bad), Map.of("logs/0", 102L)))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("CHECK");
      assertThat(store.count(Scope.everything())).isEqualTo(100);
      assertThat(store.offsets()).containsExactly(Map.entry("logs/0", 100L));
      store.append(List.of(good), Map.of("logs/0", 101L));
      assertThat(store.count(Scope.everything())).isEqualTo(101);
      assertThat(store.offsets()).containsExactly(Map.entry("logs/0", 101L));
    }
  }

  @Test
  void reopeningFindsEntriesAndOffsets() throws SQLException {
    List<StoredLog> before;
    try (AccessLogStore store = loaded()) {
      before = store.search(Scope.everything(), LogQuery.between(START, END, 50));
    }
    try (AccessLogStore store = new AccessLogStore(dir)) {
      assertThat(store.count(Scope.everything())).isEqualTo(logs.size());
      assertThat(store.offsets()).containsExactly(Map.entry("logs/0", 500L));
      assertThat(store.search(Scope.everything(), LogQuery.between(START, END, 50)))
          .isEqualTo(before)
          .hasSize(50);
      store.append(logs, Map.of("logs/0", 900L));
      assertThat(store.count(Scope.everything())).isEqualTo(logs.size());
    }
  }

  @Test
  void searchMatchesWhatTheRecordsSay() throws SQLException {
    StoredLog probe =
        logs.stream()
            .filter(l -> !l.namespace().isEmpty() && l.path().length() > 3)
            .findFirst()
            .orElseThrow();
    long t0 = START + 20_000;
    long t1 = START + 35_000;
    LogQuery all = LogQuery.between(START, END, 1_000_000);
    try (AccessLogStore store = loaded()) {
      Scope sre = Scope.everything();
      check(store, sre, LogQuery.between(t0, t1, 1_000_000), l -> in(l, t0, t1));
      check(
          store,
          sre,
          all.withLabels(probe.cluster(), probe.namespace(), null),
          l -> l.cluster().equals(probe.cluster()) && l.namespace().equals(probe.namespace()));
      check(store, sre, all.withLabels(null, null, probe.pod()), l -> l.pod().equals(probe.pod()));
      String needle = probe.authority();
      check(store, sre, all.withLineContains(needle), l -> l.raw().contains(needle));
      check(store, sre, all.withResponseCode(null, 500), l -> l.responseCode() >= 500);
      check(store, sre, all.withResponseCode(200, null), l -> l.responseCode() == 200);
      check(store, sre, all.withMethod(probe.method()), l -> l.method().equals(probe.method()));
      String prefix = probe.path().substring(0, 3);
      check(store, sre, all.withPathPrefix(prefix), l -> l.path().startsWith(prefix));
      long median =
          logs.stream()
              .mapToLong(StoredLog::durationMs)
              .sorted()
              .skip(logs.size() / 2)
              .findFirst()
              .orElseThrow();
      check(store, sre, all.withMinDurationMs(median), l -> l.durationMs() >= median);
      // Everything together, in one tenant's scope, with a small limit.
      Scope one = Scope.tenants(Set.of(probe.tenant()));
      check(
          store,
          one,
          new LogQuery(START, END, probe.cluster(), null, null, null, null, 200, null, "/", 1L, 5),
          l ->
              l.tenant().equals(probe.tenant())
                  && l.cluster().equals(probe.cluster())
                  && l.responseCode() >= 200
                  && l.path().startsWith("/")
                  && l.durationMs() >= 1);
    }
  }

  private static boolean in(StoredLog l, long start, long end) {
    return l.startTimeMs() >= start && l.startTimeMs() < end;
  }

  /** Compares a search with the same selection done in Java over the input entries. */
  private static void check(
      AccessLogStore store, Scope scope, LogQuery q, Predicate<StoredLog> match)
      throws SQLException {
    List<StoredLog> expected =
        logs.stream()
            .filter(l -> scope.allows(l.tenant()) && in(l, q.startMs(), q.endMs()) && match.test(l))
            .sorted(NEWEST_FIRST)
            .limit(q.limit())
            .toList();
    assertThat(expected).as(q.toString()).isNotEmpty();
    assertThat(store.search(scope, q)).as(q.toString()).containsExactlyElementsOf(expected);
  }

  @Test
  void countsByFieldPerStep() throws SQLException {
    long step = 10_000;
    long start = START + 5_000;
    long end = START + 65_000;
    try (AccessLogStore store = loaded()) {
      for (String field : List.of("response_code", "method", "direction", "pod")) {
        Map<List<String>, Long> expected = new TreeMap<>(Comparator.comparing(List::toString));
        for (StoredLog l : logs) {
          if (in(l, start, end)) {
            String v =
                switch (field) {
                  case "response_code" -> Integer.toString(l.responseCode());
                  case "method" -> l.method();
                  case "direction" -> l.direction();
                  default -> l.pod();
                };
            long s = start + (l.startTimeMs() - start) / step * step;
            expected.merge(List.of(Long.toString(s), v), 1L, Long::sum);
          }
        }
        List<CountPoint> got = store.countsBy(Scope.everything(), field, start, end, step, null);
        assertThat(
                got.stream()
                    .collect(
                        Collectors.toMap(
                            p -> List.of(Long.toString(p.stepStartMs()), p.value()),
                            CountPoint::count)))
            .as(field)
            .containsExactlyInAnyOrderEntriesOf(expected);
        assertThat(got).extracting(CountPoint::stepStartMs).isSorted();
      }
      // A filter narrows the counts: 5xx per code.
      long fiveHundreds =
          store
              .countsBy(
                  Scope.everything(),
                  "response_code",
                  START,
                  END,
                  60_000,
                  LogQuery.between(0, 0, 1).withResponseCode(null, 500))
              .stream()
              .mapToLong(CountPoint::count)
              .sum();
      assertThat(fiveHundreds)
          .isEqualTo(logs.stream().filter(l -> l.responseCode() >= 500).count())
          .isPositive();
      assertThatThrownBy(
              () -> store.countsBy(Scope.everything(), "raw; DROP TABLE x", START, END, 1, null))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void droppingBeforeATimeDeletesWholeDays() throws SQLException {
    long day = AccessLogStore.DAY_MS;
    long d0 = Math.floorDiv(START, day) * day;
    List<StoredLog> older = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      older.add(shifted(logs.get(i), -day));
    }
    try (AccessLogStore store = loaded()) {
      store.append(older, Map.of());
      assertThat(store.count(Scope.everything())).isEqualTo(logs.size() + 10);
      assertThat(store.search(Scope.everything(), LogQuery.between(d0 - day, d0, 100))).hasSize(10);
      store.dropBefore(d0 + day - 1);
      assertThat(store.count(Scope.everything())).isEqualTo(logs.size());
      assertThat(store.search(Scope.everything(), LogQuery.between(d0 - day, d0, 100))).isEmpty();
      store.dropBefore(d0 + day);
      assertThat(store.count(Scope.everything())).isZero();
    }
  }

  @Test
  void aTenantsOwnRetentionErasesItsLinesFromTheLineFilesToo() throws Exception {
    long day = AccessLogStore.DAY_MS;
    long d0 = Math.floorDiv(START, day) * day;
    String gone = tenants().iterator().next();
    List<StoredLog> older = new ArrayList<>();
    for (StoredLog l : logs) {
      older.add(shifted(l, -day));
    }
    // A marker no other line holds, to look for in the files' bytes: LZ4 keeps a short line's
    // literal bytes, so a line still on disk is found.
    List<StoredLog> marked = new ArrayList<>();
    for (StoredLog l : older) {
      marked.add(l.tenant().equals(gone) ? withRaw(l, l.raw() + " zq-gone-" + l.requestId()) : l);
    }
    try (AccessLogStore store = loaded()) {
      store.append(marked, Map.of());
      long before = store.count(Scope.everything());
      long deleted = store.dropTenantBefore(gone, d0);
      long theirs = older.stream().filter(l -> l.tenant().equals(gone)).count();
      assertThat(deleted).isEqualTo(theirs);
      assertThat(store.count(Scope.everything())).isEqualTo(before - theirs);
      // Every other entry of that day reads back whole.
      List<StoredLog> left =
          store.search(Scope.everything(), LogQuery.between(d0 - day, d0, 10_000));
      assertThat(left)
          .containsExactlyInAnyOrderElementsOf(
              older.stream().filter(l -> !l.tenant().equals(gone)).toList());
    }
    try (Stream<Path> files = Files.walk(dir.resolve("lines"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1))
            .doesNotContain("zq-gone-");
      }
    }
  }

  private static StoredLog withRaw(StoredLog l, String raw) {
    return copy(l, l.startTimeMs(), raw);
  }

  private static StoredLog shifted(StoredLog l, long byMs) {
    return copy(l, l.startTimeMs() + byMs, l.raw());
  }

  private static StoredLog copy(StoredLog l, long startMs, String raw) {
    return new StoredLog(
        l.tenant(),
        l.cluster(),
        l.namespace(),
        l.pod(),
        l.workload(),
        startMs,
        l.method(),
        l.path(),
        l.authority(),
        l.responseCode(),
        l.responseFlags(),
        l.responseCodeDetails(),
        l.durationMs(),
        l.bytesSent(),
        l.bytesReceived(),
        l.upstreamCluster(),
        l.requestId(),
        l.traceId(),
        l.direction(),
        raw);
  }

  @Test
  void printsInsertThroughput() throws SQLException {
    int n = 100_000;
    List<StoredLog> many = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      // Shifting the start makes every copy a distinct entry.
      many.add(shifted(logs.get(i % logs.size()), (i / logs.size()) * 1000L));
    }
    try (AccessLogStore store = new AccessLogStore(dir)) {
      long t = System.nanoTime();
      for (int i = 0; i < n; i += 10_000) {
        store.append(many.subList(i, i + 10_000), Map.of("logs/0", (long) i + 10_000));
      }
      double seconds = (System.nanoTime() - t) / 1e9;
      System.out.printf(
          "AccessLogStore: %,d entries in batches of 10,000 in %.2f s: %,.0f logs/s%n",
          n, seconds, n / seconds);
      assertThat(store.count(Scope.everything())).isEqualTo(n);
    }
  }
}
