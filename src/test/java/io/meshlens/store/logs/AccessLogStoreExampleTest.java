package io.meshlens.store.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import io.meshlens.ingest.spans.SimulatedMesh;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AccessLogStore#exampleRequestIds}: the batch lookup against a brute-force search of the
 * same entries in Java (simulator lines), and the rules one at a time on hand-made entries.
 */
class AccessLogStoreExampleTest {

  private static final long T0 = SimulatedMesh.START.toEpochMilli();

  @TempDir Path dir;

  @Test
  void batchAgreesWithBruteForceOnSimulatorLines() throws Exception {
    SimulatedMesh mesh = SimulatedMesh.get();
    AccessLogDecoder decoder = new AccessLogDecoder();
    List<StoredLog> logs = new ArrayList<>();
    for (int i = 0; i < mesh.accessLogLines.size(); i++) {
      byte[] line = mesh.accessLogLines.get(i).getBytes(StandardCharsets.UTF_8);
      for (AccessLogRecord r : decoder.decode(line, mesh.accessLogLineClusters.get(i)).value()) {
        String ns = r.namespace().isEmpty() ? r.destinationNamespace() : r.namespace();
        logs.add(StoredLog.of(r, ns.isEmpty() ? "unassigned" : ns, ""));
      }
    }
    long start = logs.stream().mapToLong(StoredLog::startTimeMs).min().orElseThrow();
    long end = logs.stream().mapToLong(StoredLog::startTimeMs).max().orElseThrow() + 1;
    // Every (caller, destination) pair the lines show, as reached calls; and every caller-to-host
    // pair as a call that reached no destination.
    Map<String, StoredLog> inboundById = new LinkedHashMap<>();
    logs.stream()
        .filter(l -> l.direction().equals("inbound"))
        .forEach(l -> inboundById.putIfAbsent(l.requestId(), l));
    Map<List<String>, AccessLogStore.ExampleCall> calls =
        new TreeMap<>(Comparator.comparing(Object::toString));
    for (StoredLog o : logs) {
      String host = host(o);
      if (!o.direction().equals("outbound") || host.isEmpty() || o.namespace().isEmpty()) {
        continue;
      }
      String prefix = host.substring(0, host.indexOf(".svc.") + 5);
      StoredLog i = inboundById.get(o.requestId());
      calls.putIfAbsent(
          List.of("u", o.cluster(), o.namespace(), prefix),
          new AccessLogStore.ExampleCall(
              Set.of(o.tenant()), o.cluster(), o.namespace(), null, "", prefix, null));
      if (i != null) {
        calls.putIfAbsent(
            List.of("r", o.cluster(), o.namespace(), i.cluster(), i.namespace(), prefix),
            new AccessLogStore.ExampleCall(
                Set.copyOf(List.of(o.tenant(), i.tenant())),
                o.cluster(),
                o.namespace(),
                i.cluster(),
                i.namespace(),
                prefix,
                null));
        // Only errors: a text most inbound entries lack.
        calls.putIfAbsent(
            List.of("e", o.cluster(), o.namespace(), i.cluster(), i.namespace(), prefix),
            new AccessLogStore.ExampleCall(
                Set.of(i.tenant()),
                o.cluster(),
                o.namespace(),
                i.cluster(),
                i.namespace(),
                prefix,
                "\" 503 "));
      }
    }
    List<AccessLogStore.ExampleCall> list = new ArrayList<>(calls.values());
    assertThat(list).hasSizeGreaterThan(20);
    try (AccessLogStore store = new AccessLogStore(dir)) {
      store.append(logs, Map.of("logs/0", 1L));
      long windowStart = start + 20_000;
      // Long enough for two of the lookup's slices back from the end; with a first slice of 1 s
      // (1, 4, 16, 64 s), for four.
      assertThat(end - windowStart).isGreaterThan(AccessLogStore.EXAMPLE_FIRST_SLICE_MS);
      assertThat(end - windowStart).isGreaterThan(1_000 + 4_000 + 16_000);
      List<String> found = store.exampleRequestIds(list, windowStart, end);
      List<String> expected = new ArrayList<>();
      for (AccessLogStore.ExampleCall c : list) {
        expected.add(bruteForce(logs, c, windowStart, end).orElse(null));
      }
      assertThat(found).isEqualTo(expected);
      assertThat(store.exampleRequestIds(list, windowStart, end, 1_000)).isEqualTo(expected);
      assertThat(found.stream().filter(x -> x != null).count()).isGreaterThan(list.size() / 3);
      assertThat(found).contains((String) null);
    }
  }

  /** The rule as documented, entry by entry. */
  private static Optional<String> bruteForce(
      List<StoredLog> logs, AccessLogStore.ExampleCall c, long start, long end) {
    return logs.stream()
        .filter(l -> l.startTimeMs() >= start && l.startTimeMs() < end)
        .filter(l -> c.tenants().contains(l.tenant()))
        .filter(l -> !l.requestId().isEmpty() && !l.requestId().equals("-"))
        .filter(
            l ->
                c.destinationCluster() == null
                    ? l.direction().equals("outbound")
                        && l.cluster().equals(c.sourceCluster())
                        && l.namespace().equals(c.sourceNamespace())
                        && host(l).startsWith(c.destinationHostPrefix())
                    : l.direction().equals("inbound")
                        && l.cluster().equals(c.destinationCluster())
                        && l.namespace().equals(c.destinationNamespace())
                        && (c.inboundDetailsContain() == null
                            || l.raw().contains(c.inboundDetailsContain()))
                        && logs.stream()
                            .anyMatch(
                                o ->
                                    o.requestId().equals(l.requestId())
                                        && o.direction().equals("outbound")
                                        && o.cluster().equals(c.sourceCluster())
                                        && (o.namespace().equals(c.sourceNamespace())
                                            || o.namespace().isEmpty())
                                        && host(o).startsWith(c.destinationHostPrefix())
                                        && Math.abs(o.startTimeMs() - l.startTimeMs())
                                            <= AccessLogStore.EXAMPLE_PAIR_SKEW_MS))
        .min(
            Comparator.comparingLong((StoredLog l) -> -l.startTimeMs())
                .thenComparing(StoredLog::requestId))
        .map(StoredLog::requestId);
  }

  /** The host of Envoy's {@code outbound|port|subset|host} upstream cluster, or "". */
  private static String host(StoredLog l) {
    String[] parts = l.upstreamCluster().split("\\|", -1);
    return parts.length >= 4 ? parts[3] : "";
  }

  @Test
  void rulesOnHandMadeEntries() throws Exception {
    String host = "outbound|9080||reviews.bookinfo.svc.cluster.local";
    List<StoredLog> logs =
        List.of(
            // a pair, then a newer pair whose caller logged 3 minutes off (no pair)
            entry("shop", "west", "shop", "outbound", 10_000, host, "r1", ""),
            entry("books", "east", "bookinfo", "inbound", 10_050, "", "r1", ""),
            entry("shop", "west", "shop", "outbound", 40_000, host, "r9", ""),
            entry("books", "east", "bookinfo", "inbound", 220_000, "", "r9", ""),
            // two pairs at the same time: the smaller request id wins
            entry("shop", "west", "shop", "outbound", 30_000, host, "r3", ""),
            entry("books", "east", "bookinfo", "inbound", 30_000, "", "r3", ""),
            entry("shop", "west", "", "outbound", 30_000, host, "r2", ""),
            entry("books", "east", "bookinfo", "inbound", 30_000, "", "r2", ""),
            // a denial, its inbound entry naming the RBAC policy
            entry("shop", "west", "shop", "outbound", 5_000, host, "d1", ""),
            entry(
                "books",
                "east",
                "bookinfo",
                "inbound",
                5_010,
                "",
                "d1",
                " rbac_access_denied_matched_policy[ns[bookinfo]-policy[deny]-rule[0]]"),
            // a call that reached nothing, and one of another tenant's namespace
            entry("shop", "west", "shop", "outbound", 50_000, host, "u1", ""),
            entry("ads", "west", "shop", "outbound", 60_000, host, "u2", ""),
            entry("shop", "west", "shop", "outbound", 70_000, host, "-", ""));
    try (AccessLogStore store = new AccessLogStore(dir)) {
      store.append(logs, Map.of("logs/0", 1L));
      AccessLogStore.ExampleCall reached =
          new AccessLogStore.ExampleCall(
              Set.of("shop", "books"),
              "west",
              "shop",
              "east",
              "bookinfo",
              "reviews.bookinfo.svc.",
              null);
      AccessLogStore.ExampleCall denied =
          new AccessLogStore.ExampleCall(
              Set.of("shop", "books"),
              "west",
              "shop",
              "east",
              "bookinfo",
              "reviews.bookinfo.svc.",
              "rbac_access_denied");
      AccessLogStore.ExampleCall unreached =
          new AccessLogStore.ExampleCall(
              Set.of("shop"), "west", "shop", null, "bookinfo", "reviews.bookinfo.svc.", null);
      AccessLogStore.ExampleCall otherHost =
          new AccessLogStore.ExampleCall(
              Set.of("shop", "books"),
              "west",
              "shop",
              "east",
              "bookinfo",
              "ratings.bookinfo.svc.",
              null);
      AccessLogStore.ExampleCall booksOnly =
          new AccessLogStore.ExampleCall(
              Set.of("books"), "west", "shop", null, "bookinfo", "reviews.bookinfo.svc.", null);
      List<String> found =
          store.exampleRequestIds(
              List.of(reached, denied, unreached, otherHost, booksOnly), T0, T0 + 300_000);
      // r9's caller started 3 minutes before its inbound entry: not a pair; r2 and r3 tie.
      assertThat(found).containsExactly("r2", "d1", "u1", null, null);
      // A window that ends before the ties leaves the older pair.
      assertThat(store.exampleRequestIds(List.of(reached), T0, T0 + 30_000))
          .isEqualTo(Arrays.asList("r1"));
    }
  }

  private static StoredLog entry(
      String tenant,
      String cluster,
      String namespace,
      String direction,
      long offsetMs,
      String upstreamCluster,
      String requestId,
      String details) {
    String raw =
        "["
            + offsetMs
            + "] \"GET / HTTP/1.1\" 200 - "
            + details
            + " "
            + requestId
            + " "
            + direction;
    return new StoredLog(
        tenant,
        cluster,
        namespace,
        namespace + "-pod",
        "",
        T0 + offsetMs,
        "GET",
        "/",
        "reviews",
        200,
        "-",
        details.trim(),
        3,
        10,
        20,
        upstreamCluster,
        requestId,
        "",
        direction,
        raw);
  }
}
