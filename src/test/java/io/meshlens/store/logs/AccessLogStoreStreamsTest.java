package io.meshlens.store.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.store.LabelMatcher;
import io.meshlens.store.Scope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's LogQL reads: paged scans, bucket counts, label names and values, streams. */
class AccessLogStoreStreamsTest {

  private static final long T0 = 1_700_000_000_000L;
  private static final Scope SHOP = Scope.tenants(Set.of("shop"));

  @TempDir Path dir;
  private AccessLogStore store;

  private static StoredLog log(
      String tenant, String cluster, String ns, String pod, long t, String id) {
    return new StoredLog(
        tenant,
        cluster,
        ns,
        pod,
        "",
        t,
        "GET",
        "/" + id,
        "svc:80",
        200,
        "-",
        "via_upstream",
        3,
        10,
        0,
        "outbound|80||svc." + ns + ".svc.cluster.local",
        id,
        "",
        "outbound",
        "GET /" + id + " 200 " + ns);
  }

  @BeforeEach
  void load() throws Exception {
    store = new AccessLogStore(dir);
    List<StoredLog> logs = new ArrayList<>();
    // Several entries share a start time, so the scan's order needs the whole key.
    for (int i = 0; i < 12; i++) {
      logs.add(log("shop", "east-1", "shop", "web-" + (i % 3), T0 + (i / 4) * 1000, "s" + i));
      logs.add(
          log("payments", "east-2", "payments", "api-" + (i % 2), T0 + (i / 3) * 1000, "p" + i));
    }
    store.append(logs, Map.of());
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  private List<String> scan(Scope scope, StreamSelection sel, boolean newestFirst, int page)
      throws Exception {
    List<String> ids = new ArrayList<>();
    store.scan(scope, sel, newestFirst, page, l -> ids.add(l.requestId()));
    return ids;
  }

  @Test
  void pagedScanReturnsEveryEntryOnceInTheSameOrderWhateverThePageSize() throws Exception {
    StreamSelection all = StreamSelection.between(T0, T0 + 10_000);
    for (boolean newestFirst : new boolean[] {true, false}) {
      List<String> whole = scan(Scope.everything(), all, newestFirst, 1000);
      assertThat(whole).hasSize(24).doesNotHaveDuplicates();
      for (int page : new int[] {1, 2, 3, 5, 7}) {
        assertThat(scan(Scope.everything(), all, newestFirst, page)).isEqualTo(whole);
      }
    }
    List<String> newest = scan(SHOP, all, true, 2);
    assertThat(newest).hasSize(12).allMatch(id -> id.startsWith("s"));
    assertThat(newest.subList(0, 4)).containsExactlyInAnyOrder("s8", "s9", "s10", "s11");
  }

  @Test
  void scanStopsWhenTheSinkSaysSo() throws Exception {
    List<String> ids = new ArrayList<>();
    store.scan(
        Scope.everything(),
        StreamSelection.between(T0, T0 + 10_000),
        false,
        2,
        l -> ids.add(l.requestId()) && ids.size() < 3);
    assertThat(ids).hasSize(3);
  }

  @Test
  void selectorsAndLineFiltersAreAppliedInsideTheScope() throws Exception {
    StreamSelection payments =
        new StreamSelection(
            T0, T0 + 10_000, List.of(LabelMatcher.equal("namespace", "payments")), List.of());
    assertThat(scan(SHOP, payments, true, 100)).isEmpty();
    assertThat(scan(Scope.everything(), payments, true, 100)).hasSize(12);
    StreamSelection regex =
        new StreamSelection(
            T0,
            T0 + 10_000,
            List.of(
                LabelMatcher.of("pod", LabelMatcher.Type.REGEX, "web-[12]"),
                LabelMatcher.of("app", LabelMatcher.Type.NOT_EQUAL, "x")),
            List.of(
                new StreamSelection.LineFilter(StreamSelection.LineFilter.Op.REGEX, "/s1[01]? "),
                new StreamSelection.LineFilter(
                    StreamSelection.LineFilter.Op.NOT_CONTAINS, "/s10")));
    // web-1: s1, s4, s7, s10; web-2: s2, s5, s8, s11; "/s1 " or "/s11 " but not "/s10".
    assertThat(scan(Scope.everything(), regex, false, 100)).containsExactly("s1", "s11");
    StreamSelection absentLabel =
        new StreamSelection(T0, T0 + 10_000, List.of(LabelMatcher.equal("app", "x")), List.of());
    assertThat(scan(Scope.everything(), absentLabel, false, 100)).isEmpty();
  }

  @Test
  void bucketCountsGroupByTheAskedStreamLabels() throws Exception {
    // Buckets of 2 s ending at T0 - 1000 + 2000k: (T0-1000, T0+1000] holds the starts T0 and
    // T0+1000.
    List<StreamBucket> b =
        store.countBuckets(
            Scope.everything(),
            StreamSelection.between(T0 - 999, T0 + 10_000),
            List.of("namespace"),
            T0 - 1000,
            2000);
    assertThat(b)
        .extracting(x -> x.labelValues().get(0) + "@" + (x.bucketEndMs() - T0) + "=" + x.count())
        .containsExactly("payments@1000=6", "payments@3000=6", "shop@1000=8", "shop@3000=4");
    long bytes = ("GET /s0 200 shop").length();
    assertThat(b.get(2).bytes()).isEqualTo(8 * bytes);
    List<StreamBucket> shopOnly =
        store.countBuckets(
            SHOP, StreamSelection.between(T0 - 999, T0 + 10_000), List.of(), T0 - 1000, 10_000);
    assertThat(shopOnly).extracting(StreamBucket::count).containsExactly(12L);
  }

  @Test
  void labelNamesValuesAndStreamsAreScoped() throws Exception {
    StreamSelection all = StreamSelection.between(T0, T0 + 10_000);
    assertThat(store.labelNames(SHOP, all))
        .containsExactly("cluster", "direction", "namespace", "pod", "tenant");
    assertThat(store.labelValues(SHOP, "namespace", all)).containsExactly("shop");
    assertThat(store.labelValues(Scope.everything(), "namespace", all))
        .containsExactly("payments", "shop");
    assertThat(store.labelValues(SHOP, "tenant", all)).containsExactly("shop");
    assertThat(store.labelValues(SHOP, "workload", all)).isEmpty();
    assertThat(store.labelValues(SHOP, "raw", all)).isEmpty();
    assertThat(store.streams(SHOP, all, 100))
        .extracting(m -> m.get("pod"))
        .containsExactly("web-0", "web-1", "web-2");
    assertThat(store.streams(SHOP, all, 100).get(0))
        .isEqualTo(
            Map.of(
                "cluster", "east-1",
                "direction", "outbound",
                "namespace", "shop",
                "pod", "web-0",
                "tenant", "shop"));
    assertThat(store.streams(Scope.everything(), all, 2)).hasSize(2);
    assertThat(store.labelNames(SHOP, StreamSelection.between(T0 + 50_000, T0 + 60_000))).isEmpty();
  }
}
