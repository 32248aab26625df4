package io.meshlens.store.spans;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.ingest.spans.SpanRecord;
import io.meshlens.store.Scope;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The span store on simulator spans: scope isolation, idempotent replay, atomicity, retention. */
class SpanStoreTest {

  private static List<StoredSpan> spans;

  @TempDir Path dir;

  @BeforeAll
  static void decode() {
    SpanDecoder decoder = new SpanDecoder();
    spans = new ArrayList<>();
    for (ExportTraceServiceRequest req : SimulatedMesh.get().spanRequests) {
      for (SpanRecord r : decoder.decode(req).value()) {
        spans.add(StoredSpan.of(r, tenantOf(r.namespace())));
      }
    }
  }

  /** Attribution is the caller's: here, simply one tenant per namespace. */
  private static String tenantOf(String namespace) {
    return namespace.isEmpty() ? "unassigned" : namespace;
  }

  private static Set<String> tenants() {
    return spans.stream().map(StoredSpan::tenant).collect(Collectors.toCollection(TreeSet::new));
  }

  private SpanStore loaded() throws SQLException {
    SpanStore store = new SpanStore(dir);
    store.append(spans, Map.of("spans/0", 1000L));
    return store;
  }

  @Test
  void storesEverySpanOnce() throws SQLException {
    try (SpanStore store = loaded()) {
      assertThat(spans).hasSizeGreaterThan(1000);
      assertThat(store.count(Scope.everything())).isEqualTo(spans.size());
      assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 1000L));
    }
  }

  @Test
  void everyReadKeepsToTheScope() throws SQLException {
    try (SpanStore store = loaded()) {
      assertThat(tenants()).hasSizeGreaterThan(2);
      for (String tenant : tenants()) {
        Scope scope = Scope.tenants(Set.of(tenant));
        List<StoredSpan> own = spans.stream().filter(s -> s.tenant().equals(tenant)).toList();
        assertThat(store.count(scope)).isEqualTo(own.size());
        assertThat(store.services(scope))
            .containsExactlyElementsOf(
                own.stream()
                    .map(StoredSpan::service)
                    .collect(Collectors.toCollection(TreeSet::new)));
        String service = own.get(0).service();
        assertThat(store.operations(scope, service))
            .containsExactlyElementsOf(
                own.stream()
                    .filter(s -> s.service().equals(service))
                    .map(StoredSpan::operation)
                    .collect(Collectors.toCollection(TreeSet::new)));
        List<TraceSummary> found = store.search(scope, SpanQuery.between(0, 0, 1_000_000));
        assertThat(found.stream().map(TraceSummary::traceId).toList())
            .containsExactlyInAnyOrderElementsOf(
                own.stream().map(StoredSpan::traceId).collect(Collectors.toSet()));
      }
      Scope nobody = Scope.tenants(Set.of("nobody"));
      assertThat(store.count(nobody)).isZero();
      assertThat(store.services(nobody)).isEmpty();
      assertThat(store.operations(nobody, spans.get(0).service())).isEmpty();
      assertThat(store.search(nobody, SpanQuery.between(0, 0, 100))).isEmpty();
      assertThat(store.trace(nobody, spans.get(0).traceId())).isEmpty();
    }
  }

  @Test
  void aTraceShowsForeignSpansOnlyToATenantWithASpanInIt() throws SQLException {
    Map<String, List<StoredSpan>> byTrace =
        spans.stream().collect(Collectors.groupingBy(StoredSpan::traceId));
    List<StoredSpan> mixed =
        byTrace.values().stream()
            .filter(t -> t.stream().map(StoredSpan::tenant).distinct().count() > 1)
            .findFirst()
            .orElseThrow();
    String traceId = mixed.get(0).traceId();
    String owner = mixed.get(0).tenant();
    Set<String> inTrace = mixed.stream().map(StoredSpan::tenant).collect(Collectors.toSet());
    String outsider =
        tenants().stream().filter(t -> !inTrace.contains(t)).findFirst().orElseThrow();
    try (SpanStore store = loaded()) {
      List<StoredSpan> seen = store.trace(Scope.tenants(Set.of(owner)), traceId);
      assertThat(seen).hasSize(mixed.size());
      assertThat(seen)
          .allSatisfy(s -> assertThat(s.foreign()).isEqualTo(!s.tenant().equals(owner)));
      assertThat(seen.stream().filter(StoredSpan::foreign).count())
          .isEqualTo(mixed.stream().filter(s -> !s.tenant().equals(owner)).count())
          .isPositive();
      assertThat(store.trace(Scope.tenants(Set.of(outsider)), traceId)).isEmpty();
      assertThat(store.trace(Scope.everything(), traceId))
          .hasSize(mixed.size())
          .noneMatch(StoredSpan::foreign);
      // The outsider's search never finds the trace either.
      assertThat(store.search(Scope.tenants(Set.of(outsider)), SpanQuery.between(0, 0, 1_000_000)))
          .extracting(TraceSummary::traceId)
          .doesNotContain(traceId);
    }
  }

  @Test
  void replayingABatchStoresNothingTwiceAndAdvancesTheOffsets() throws SQLException {
    try (SpanStore store = new SpanStore(dir)) {
      store.append(spans, Map.of("spans/0", 100L, "spans/1", 7L));
      store.append(spans, Map.of("spans/0", 200L));
      // A batch repeating a span inside itself stores it once too.
      store.append(List.of(spans.get(0), spans.get(0)), Map.of());
      assertThat(store.count(Scope.everything())).isEqualTo(spans.size());
      assertThat(store.offsets())
          .containsExactlyInAnyOrderEntriesOf(Map.of("spans/0", 200L, "spans/1", 7L));
    }
  }

  @Test
  void aFailingBatchStoresNeitherSpansNorOffsets() throws SQLException {
    try (SpanStore store = new SpanStore(dir)) {
      store.append(spans.subList(0, 100), Map.of("spans/0", 100L));
      StoredSpan good = spans.get(100);
      StoredSpan bad =
          new StoredSpan(
              "ff".repeat(16),
              "ee".repeat(8),
              "",
              "t",
              "svc",
              "op",
              "server",
              1,
              1,
              "ok",
              "{not json",
              "c",
              "ns",
              false);
      assertThatThrownBy(() -> store.append(List.of(good, bad), Map.of("spans/0", 102L)))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("JSON");
      assertThat(store.count(Scope.everything())).isEqualTo(100);
      assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 100L));
      assertThat(store.trace(Scope.everything(), good.traceId()))
          .extracting(StoredSpan::spanId)
          .doesNotContain(good.spanId());
      // The writer is usable again after the rollback.
      store.append(List.of(good), Map.of("spans/0", 101L));
      assertThat(store.count(Scope.everything())).isEqualTo(101);
      assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 101L));
    }
  }

  @Test
  void reopeningFindsSpansAndOffsets() throws SQLException {
    String traceId = spans.get(0).traceId();
    List<StoredSpan> before;
    try (SpanStore store = loaded()) {
      before = store.trace(Scope.everything(), traceId);
    }
    try (SpanStore store = new SpanStore(dir)) {
      assertThat(store.count(Scope.everything())).isEqualTo(spans.size());
      assertThat(store.offsets()).containsExactly(Map.entry("spans/0", 1000L));
      assertThat(store.trace(Scope.everything(), traceId)).isEqualTo(before).isNotEmpty();
      // Appending after a reopen still de-duplicates against what is on disk.
      store.append(spans, Map.of("spans/0", 2000L));
      assertThat(store.count(Scope.everything())).isEqualTo(spans.size());
    }
  }

  @Test
  void searchMatchesWhatTheRecordsSay() throws SQLException {
    try (SpanStore store = loaded()) {
      Scope all = Scope.everything();
      StoredSpan probe =
          spans.stream()
              .filter(s -> s.attributesJson().contains("http.status_code"))
              .findFirst()
              .orElseThrow();
      String service = probe.service();
      String operation = probe.operation();
      String code = SpanStoreTestSupport.attribute(probe.attributesJson(), "http.status_code");

      check(
          store,
          all,
          SpanQuery.between(0, 0, 1_000_000).withService(service),
          s -> s.service().equals(service));
      check(
          store,
          all,
          SpanQuery.between(0, 0, 1_000_000).withService(service).withOperation(operation),
          s -> s.service().equals(service) && s.operation().equals(operation));
      check(
          store,
          all,
          SpanQuery.between(0, 0, 1_000_000).withTags(Map.of("http.status_code", code)),
          s -> code.equals(SpanStoreTestSupport.attribute(s.attributesJson(), "http.status_code")));
      check(
          store,
          all,
          SpanQuery.between(0, 0, 1_000_000).withStatus("error"),
          s -> s.status().equals("error"));
      long median =
          spans.stream()
              .mapToLong(StoredSpan::durationMicros)
              .sorted()
              .skip(spans.size() / 2)
              .findFirst()
              .orElseThrow();
      check(
          store,
          all,
          SpanQuery.between(0, 0, 1_000_000).withDuration(median, 0),
          s -> s.durationMicros() >= median);
      check(
          store,
          all,
          SpanQuery.between(0, 0, 1_000_000).withDuration(0, median),
          s -> s.durationMicros() <= median);
      long t0 = SimulatedMesh.START.toEpochMilli() * 1000 + 20_000_000;
      long t1 = t0 + 15_000_000;
      check(
          store,
          all,
          SpanQuery.between(t0, t1, 1_000_000),
          s -> s.startMicros() >= t0 && s.startMicros() <= t1);
      // The limit keeps the newest traces, in order.
      check(store, all, SpanQuery.between(0, 0, 20), s -> true);
      String tenant = probe.tenant();
      check(
          store,
          Scope.tenants(Set.of(tenant)),
          SpanQuery.between(0, 0, 1_000_000).withStatus("error"),
          s -> s.tenant().equals(tenant) && s.status().equals("error"));
    }
  }

  /** Compares a search with the same selection done in Java over the input spans. */
  private static void check(SpanStore store, Scope scope, SpanQuery q, Predicate<StoredSpan> match)
      throws SQLException {
    Map<String, List<StoredSpan>> byTrace =
        spans.stream().collect(Collectors.groupingBy(StoredSpan::traceId));
    List<String> expected =
        byTrace.entrySet().stream()
            .filter(
                e -> e.getValue().stream().anyMatch(s -> scope.allows(s.tenant()) && match.test(s)))
            .sorted(
                Comparator.comparingLong(
                        (Map.Entry<String, List<StoredSpan>> e) ->
                            -e.getValue().stream()
                                .mapToLong(StoredSpan::startMicros)
                                .min()
                                .orElseThrow())
                    .thenComparing(Map.Entry::getKey))
            .limit(q.limit())
            .map(Map.Entry::getKey)
            .toList();
    List<TraceSummary> found = store.search(scope, q);
    assertThat(found)
        .extracting(TraceSummary::traceId)
        .as(q.toString())
        .containsExactlyElementsOf(expected);
    assertThat(expected).as(q.toString()).isNotEmpty();
    for (TraceSummary t : found) {
      List<StoredSpan> all = byTrace.get(t.traceId());
      long start = all.stream().mapToLong(StoredSpan::startMicros).min().orElseThrow();
      long end =
          all.stream().mapToLong(s -> s.startMicros() + s.durationMicros()).max().orElseThrow();
      assertThat(t.startMicros()).isEqualTo(start);
      assertThat(t.durationMicros()).isEqualTo(end - start);
      assertThat(t.spanCount()).isEqualTo(all.size());
      StoredSpan first =
          all.stream()
              .min(
                  Comparator.comparing((StoredSpan s) -> !s.isRoot())
                      .thenComparingLong(StoredSpan::startMicros)
                      .thenComparing(StoredSpan::spanId))
              .orElseThrow();
      assertThat(t.first()).isEqualTo(first.withForeign(!scope.allows(first.tenant())));
    }
  }

  @Test
  void droppingBeforeATimeDeletesWholeDays() throws SQLException {
    long day = SpanStore.DAY_MICROS;
    long d0 = Math.floorDiv(SimulatedMesh.START.toEpochMilli() * 1000, day) * day;
    List<StoredSpan> older = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      StoredSpan s = spans.get(i);
      older.add(
          new StoredSpan(
              "0".repeat(30) + String.format("%02d", i),
              s.spanId(),
              "",
              s.tenant(),
              s.service(),
              s.operation(),
              s.kind(),
              d0 - day + 1_000_000L * i,
              5,
              s.status(),
              s.attributesJson(),
              s.cluster(),
              s.namespace(),
              false));
    }
    try (SpanStore store = loaded()) {
      store.append(older, Map.of());
      assertThat(store.count(Scope.everything())).isEqualTo(spans.size() + 10);
      // Any time inside the current day keeps that whole day.
      store.dropBefore(d0 + day - 1);
      assertThat(store.count(Scope.everything())).isEqualTo(spans.size());
      assertThat(store.trace(Scope.everything(), older.get(0).traceId())).isEmpty();
      store.dropBefore(d0 + day);
      assertThat(store.count(Scope.everything())).isZero();
    }
  }

  @Test
  void printsInsertThroughput() throws SQLException {
    int n = 100_000;
    List<StoredSpan> many = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      StoredSpan s = spans.get(i % spans.size());
      many.add(
          new StoredSpan(
              String.format("%032x", i / 8),
              String.format("%016x", i),
              s.parentSpanId(),
              s.tenant(),
              s.service(),
              s.operation(),
              s.kind(),
              s.startMicros(),
              s.durationMicros(),
              s.status(),
              s.attributesJson(),
              s.cluster(),
              s.namespace(),
              false));
    }
    try (SpanStore store = new SpanStore(dir)) {
      long t = System.nanoTime();
      for (int i = 0; i < n; i += 10_000) {
        store.append(many.subList(i, i + 10_000), Map.of("spans/0", (long) i + 10_000));
      }
      double seconds = (System.nanoTime() - t) / 1e9;
      System.out.printf(
          "SpanStore: %,d spans in batches of 10,000 in %.2f s: %,.0f spans/s%n",
          n, seconds, n / seconds);
      assertThat(store.count(Scope.everything())).isEqualTo(n);
    }
  }
}
