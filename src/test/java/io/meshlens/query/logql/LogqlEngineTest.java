package io.meshlens.query.logql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.ingest.logs.AccessLogDecoder;
import io.meshlens.ingest.logs.AccessLogRecord;
import io.meshlens.store.Scope;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.logs.StoredLog;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LogQL evaluated on a real {@link AccessLogStore} holding the four real Istio JSON access log
 * lines (public_examples__istio_json_access_log_lines.jsonl) as written by a shop proxy and by a
 * payments proxy, and one real ztunnel line in shop.
 */
class LogqlEngineTest {

  /** A whole minute, so that minute steps line up with the data. */
  private static final long T0 = 1_699_999_980_000L;

  private static final long NS = 1_000_000L;
  private static final Scope SRE = Scope.everything();
  private static final Scope SHOP = Scope.tenants(Set.of("shop"));

  @TempDir Path dir;
  private AccessLogStore store;
  private LogqlEngine engine;
  private static final List<String> JSON_LINES =
      RealData.read("public_examples__istio_json_access_log_lines.jsonl").lines().toList();
  private static final String ZTUNNEL_LINE =
      RealData.read("kiali__tests_data_logs_ztunnel.log").lines().findFirst().orElseThrow();

  @BeforeEach
  void load() throws Exception {
    store = new AccessLogStore(dir);
    List<StoredLog> logs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      AccessLogRecord r = decode(JSON_LINES.get(i));
      logs.add(at(r, "shop", "east-1", "shop", "shop-web-1", T0 + i * 10_000));
      logs.add(at(r, "payments", "east-2", "payments", "payments-api-1", T0 + 5_000 + i * 10_000));
    }
    logs.add(at(decode(ZTUNNEL_LINE), "shop", "east-1", "shop", "ztunnel-abcde", T0 + 40_000));
    store.append(logs, Map.of());
    engine = new LogqlEngine(store, LogqlLimits.defaults());
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  private static AccessLogRecord decode(String line) {
    List<AccessLogRecord> r =
        new AccessLogDecoder().decode(line.getBytes(StandardCharsets.UTF_8), "").value();
    assertThat(r).hasSize(1);
    return r.get(0);
  }

  private static StoredLog at(
      AccessLogRecord r, String tenant, String cluster, String ns, String pod, long startMs) {
    StoredLog s = StoredLog.of(r, tenant, "");
    return new StoredLog(
        tenant,
        cluster,
        ns,
        pod,
        "",
        startMs,
        s.method(),
        s.path(),
        s.authority(),
        s.responseCode(),
        s.responseFlags(),
        s.responseCodeDetails(),
        s.durationMs(),
        s.bytesSent(),
        s.bytesReceived(),
        s.upstreamCluster(),
        s.requestId(),
        s.traceId(),
        s.direction(),
        s.raw());
  }

  private LogqlResult.Streams logs(Scope scope, String q, int limit, boolean forward) {
    return (LogqlResult.Streams)
        engine.rangeQuery(scope, q, T0 * NS, (T0 + 60_000) * NS, NS * 1000, limit, forward);
  }

  /** Entries as "<ms offset from T0> <pod>", in answer order per stream, streams in order. */
  private static List<String> entries(LogqlResult.Streams s) {
    List<String> out = new ArrayList<>();
    for (LogqlResult.Stream st : s.streams()) {
      for (LogqlResult.Entry e : st.entries()) {
        out.add((e.timestampNs() / NS - T0) + " " + st.labels().get("pod"));
      }
    }
    return out;
  }

  private Map<Map<String, String>, List<String>> matrix(
      Scope scope, String q, long startMs, long endMs, long stepMs) {
    LogqlResult.Matrix m =
        (LogqlResult.Matrix)
            engine.rangeQuery(scope, q, startMs * NS, endMs * NS, stepMs * NS, 100, false);
    Map<Map<String, String>, List<String>> out = new java.util.LinkedHashMap<>();
    for (LogqlResult.Series s : m.series()) {
      List<String> points = new ArrayList<>();
      for (int i = 0; i < s.timestampsMs().length; i++) {
        points.add((s.timestampsMs()[i] - T0) / 1000 + "s=" + s.values()[i]);
      }
      out.put(s.labels(), points);
    }
    return out;
  }

  private Map<Map<String, String>, Double> vector(Scope scope, String q, long atMs) {
    LogqlResult.Vector v =
        (LogqlResult.Vector) engine.instantQuery(scope, q, atMs * NS, 3600_000 * NS, 100, false);
    Map<Map<String, String>, Double> out = new java.util.LinkedHashMap<>();
    for (LogqlResult.Sample s : v.samples()) {
      assertThat(s.timestampMs()).isEqualTo(atMs);
      out.put(s.labels(), s.value());
    }
    return out;
  }

  @Test
  void backwardIsNewestFirstAndTheLimitCutsAcrossStreams() {
    LogqlResult.Streams s = logs(SRE, "{cluster=~\"east-.*\"}", 3, false);
    assertThat(s.entries()).isEqualTo(3);
    assertThat(s.streams()).hasSize(3);
    assertThat(entries(s))
        .containsExactly("30000 shop-web-1", "40000 ztunnel-abcde", "35000 payments-api-1");
    assertThat(s.streams().get(2).labels())
        .isEqualTo(
            Map.of(
                "cluster", "east-2",
                "direction", "outbound",
                "namespace", "payments",
                "pod", "payments-api-1",
                "tenant", "payments"));
  }

  @Test
  void forwardIsOldestFirst() {
    assertThat(entries(logs(SRE, "{cluster=~\"east-.*\"}", 2, true)))
        .containsExactly("0 shop-web-1", "5000 payments-api-1");
  }

  @Test
  void aTenantScopeNeverReachesAnotherTenantsLinesWhateverTheSelector() {
    assertThat(logs(SHOP, "{namespace=\"payments\"}", 100, false).streams()).isEmpty();
    assertThat(logs(SHOP, "{tenant=\"payments\"}", 100, false).streams()).isEmpty();
    assertThat(logs(SHOP, "{tenant=~\"payments|shop\"}", 100, false).entries()).isEqualTo(5);
    LogqlResult.Streams all = logs(SHOP, "{namespace=~\".+\"}", 100, false);
    assertThat(all.entries()).isEqualTo(5);
    assertThat(all.streams())
        .allSatisfy(st -> assertThat(st.labels()).containsEntry("tenant", "shop"));
    assertThat(vector(SHOP, "sum(count_over_time({namespace=~\".+\"}[1h]))", T0 + 60_000))
        .isEqualTo(Map.of(Map.of(), 5.0));
    assertThat(vector(SRE, "sum(count_over_time({namespace=~\".+\"}[1h]))", T0 + 60_000))
        .isEqualTo(Map.of(Map.of(), 9.0));
  }

  @Test
  void lineFormatRewritesTheLineFromLabelsAndParsedFields() {
    LogqlResult.Streams s =
        logs(
            SHOP,
            "{namespace=\"shop\"} |= \"no_healthy_upstream\" | json"
                + " | line_format \"{{.method}} {{.path}} -> {{.response_code}} {{.missing}}({{.pod}})\"",
            100,
            false);
    assertThat(s.streams()).hasSize(1);
    assertThat(s.streams().get(0).entries())
        .extracting(LogqlResult.Entry::line)
        .containsExactly("GET / -> 503 (shop-web-1)");
    // {{__line__}} is the line as stored; metric queries count the formatted line's bytes.
    LogqlResult.Streams raw =
        logs(
            SHOP,
            "{namespace=\"shop\"} |= \"no_healthy_upstream\" | line_format \"[{{__line__}}]\"",
            1,
            false);
    assertThat(raw.streams().get(0).entries().get(0).line()).startsWith("[{").endsWith("}]");
  }

  @Test
  void lineFiltersRunInTheStore() {
    assertThat(entries(logs(SHOP, "{namespace=\"shop\"} |= \"no_healthy_upstream\"", 100, false)))
        .containsExactly("10000 shop-web-1");
    assertThat(
            entries(
                logs(
                    SHOP, "{namespace=\"shop\"} |~ \"wrong(path)?\" != \"curl/7.47\"", 100, false)))
        .containsExactly("20000 shop-web-1");
    assertThat(logs(SHOP, "{namespace=\"shop\"} !~ \"G[E]T\"", 100, false).entries()).isEqualTo(1);
  }

  @Test
  void jsonAddsTheLinesKeysAndTheParsedFieldsAndLabelFiltersSelectOnThem() {
    LogqlResult.Streams s =
        logs(SHOP, "{pod=\"shop-web-1\"} | json | response_code >= 500", 100, false);
    assertThat(s.streams()).hasSize(1);
    LogqlResult.Stream st = s.streams().get(0);
    assertThat(st.entries()).extracting(LogqlResult.Entry::line).containsExactly(JSON_LINES.get(1));
    assertThat(st.labels())
        .containsEntry("response_code", "503")
        .containsEntry("response_flags", "UH")
        .containsEntry("response_code_details", "no_healthy_upstream")
        .containsEntry("user_agent", "curl/7.86.0-DEV")
        .containsEntry("upstream_cluster", "outbound|80||envoydummy.chapter11.svc.cluster.local")
        .containsEntry("duration", "0")
        .containsEntry("bytes_sent", "19")
        .containsEntry("namespace", "shop")
        .doesNotContainKey("upstream_host");
    assertThat(
            entries(
                logs(
                    SHOP,
                    "{namespace=\"shop\"} | json | method=\"GET\", path=~\"/reviews.*\""
                        + " | duration > 100 or response_code == 404",
                    100,
                    false)))
        .containsExactly("30000 shop-web-1");
  }

  @Test
  void legacyAllStringLinesReadLikeTypedOnes() {
    LogqlResult.Streams s =
        logs(
            SHOP,
            "{namespace=\"shop\"} | json | duration >= 1787 | x_forwarded_for=\"-\"",
            100,
            false);
    assertThat(entries(s)).containsExactly("30000 shop-web-1");
    assertThat(s.streams().get(0).labels())
        .containsEntry("response_code", "200")
        .containsEntry("istio_policy_status", "-");
  }

  @Test
  void numericFilterOnAMissingValueKeepsTheLineWithAnErrorLabelAsLokiDoes() {
    LogqlResult.Streams s =
        logs(SHOP, "{namespace=\"shop\"} | json | upstream_service_time > 5", 100, false);
    Map<String, String> errors = new TreeMap<>();
    for (LogqlResult.Stream st : s.streams()) {
      for (LogqlResult.Entry e : st.entries()) {
        errors.put((e.timestampNs() / NS - T0) + "", st.labels().getOrDefault("__error__", ""));
      }
    }
    assertThat(errors)
        .isEqualTo(
            Map.of("0", "", "10000", "LabelFilterErr", "30000", "", "40000", "LabelFilterErr"));
    assertThat(
            entries(
                logs(
                    SHOP,
                    "{namespace=\"shop\"} | json | upstream_service_time > 5 | __error__=\"\"",
                    100,
                    false)))
        .containsExactlyInAnyOrder("30000 shop-web-1", "0 shop-web-1");
  }

  @Test
  void logfmtReadsZtunnelPairsAndRenamesClashesWithStreamLabels() {
    LogqlResult.Streams s =
        logs(
            SHOP,
            "{namespace=\"shop\"} | logfmt | src_workload=\"productpage-v1-87d54dd59-fzflt\"",
            100,
            false);
    assertThat(entries(s)).containsExactly("40000 ztunnel-abcde");
    assertThat(s.streams().get(0).labels())
        .containsEntry("dst_namespace", "bookinfo")
        .containsEntry("src_identity", "spiffe://cluster.local/ns/bookinfo/sa/bookinfo-productpage")
        .containsEntry("direction", "outbound")
        .containsEntry("direction_extracted", "outbound")
        .doesNotContainKey("response_code");
  }

  @Test
  void countOverTimeWindowsAreLeftOpenRightClosed() {
    assertThat(matrix(SHOP, "count_over_time({pod=\"shop-web-1\"}[10s])", T0, T0 + 40_000, 10_000))
        .isEqualTo(
            Map.of(
                Map.of(
                    "cluster", "east-1",
                    "direction", "outbound",
                    "namespace", "shop",
                    "pod", "shop-web-1",
                    "tenant", "shop"),
                List.of("0s=1.0", "10s=1.0", "20s=1.0", "30s=1.0")));
    assertThat(
            matrix(
                SRE, "sum(count_over_time({cluster=~\"east-.*\"}[15s]))", T0, T0 + 40_000, 10_000))
        .isEqualTo(Map.of(Map.of(), List.of("0s=1.0", "10s=3.0", "20s=3.0", "30s=3.0", "40s=3.0")));
  }

  @Test
  void storeCountsAndJavaCountsAgree() {
    String[] queries = {"count_over_time(%s[15s])", "bytes_over_time(%s[25s])", "rate(%s[20s])"};
    for (String q : queries) {
      var sql =
          matrix(
              SRE,
              "sum by (pod) (" + q.formatted("{namespace=~\"shop|payments\"}") + ")",
              T0,
              T0 + 60_000,
              5_000);
      var java =
          matrix(
              SRE,
              "sum by (pod) (" + q.formatted("{namespace=~\"shop|payments\"} | json") + ")",
              T0,
              T0 + 60_000,
              5_000);
      assertThat(java).as(q).isEqualTo(sql);
      assertThat(sql).as(q).hasSize(3);
    }
    long bytes = 0;
    for (String line : JSON_LINES) {
      bytes += line.getBytes(StandardCharsets.UTF_8).length;
    }
    assertThat(vector(SRE, "sum(bytes_over_time({namespace=\"payments\"}[1m]))", T0 + 40_000))
        .isEqualTo(Map.of(Map.of(), (double) bytes));
  }

  @Test
  void rateIsCountPerSecondOfTheRange() {
    assertThat(vector(SHOP, "rate({namespace=\"shop\"} |= \"GET\" [1m])", T0 + 40_000))
        .isEqualTo(
            Map.of(
                Map.of(
                    "cluster", "east-1",
                    "direction", "outbound",
                    "namespace", "shop",
                    "pod", "shop-web-1",
                    "tenant", "shop"),
                4 / 60.0));
  }

  @Test
  void grafanaLogsVolumeGroupsEverythingUnderNoLevel() {
    assertThat(
            matrix(
                SHOP,
                "sum by (level) (count_over_time({namespace=\"shop\"} | drop __error__ [1m]))",
                T0,
                T0 + 60_000,
                60_000))
        .isEqualTo(Map.of(Map.of(), List.of("0s=1.0", "60s=4.0")));
  }

  @Test
  void aggregationsByParsedFields() {
    assertThat(
            vector(
                SHOP,
                "sum by (response_code) (count_over_time({namespace=\"shop\"} | json [1m]))",
                T0 + 40_000))
        .isEqualTo(
            Map.of(
                Map.of(), 1.0,
                Map.of("response_code", "200"), 2.0,
                Map.of("response_code", "404"), 1.0,
                Map.of("response_code", "503"), 1.0));
    assertThat(
            vector(
                SRE,
                "max without (pod, cluster, namespace, tenant, direction)"
                    + " (count_over_time({namespace=~\"shop|payments\"}[1m]))",
                T0 + 40_000))
        .isEqualTo(Map.of(Map.of(), 4.0));
    assertThat(
            vector(SRE, "count(count_over_time({namespace=~\"shop|payments\"}[1m]))", T0 + 40_000))
        .isEqualTo(Map.of(Map.of(), 3.0));
    assertThat(
            vector(
                SRE,
                "avg by (namespace) (count_over_time({namespace=~\"shop|payments\"}[1m]))",
                T0 + 40_000))
        .isEqualTo(Map.of(Map.of("namespace", "payments"), 4.0, Map.of("namespace", "shop"), 2.5));
  }

  @Test
  void limitsAreRefusedInLokisWords() {
    LogqlEngine small = new LogqlEngine(store, new LogqlLimits(5000, 1, 50_000, 2_000_000, 11_000));
    assertThatThrownBy(
            () ->
                small.instantQuery(
                    SRE,
                    "count_over_time({cluster=~\"east-.*\"}[1m])",
                    (T0 + 40_000) * NS,
                    0,
                    100,
                    false))
        .isInstanceOf(LogqlException.class)
        .hasMessage("maximum of series (1) reached for a single query");
    assertThatThrownBy(() -> logs(SRE, "{cluster=\"east-1\"}", 5001, false))
        .hasMessage(
            "max entries limit per query exceeded, limit > max_entries_limit (5001 > 5000)");
    assertThatThrownBy(
            () ->
                engine.rangeQuery(
                    SRE,
                    "rate({cluster=\"east-1\"}[1m])",
                    0,
                    12_000 * 1_000_000_000L,
                    1_000_000_000L,
                    100,
                    false))
        .hasMessage(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query"
                + " resolution (?step=XX)");
    LogqlEngine tiny = new LogqlEngine(store, new LogqlLimits(5000, 500, 50_000, 3, 11_000));
    assertThatThrownBy(
            () ->
                tiny.rangeQuery(
                    SRE,
                    "{cluster=~\"east-.*\"} | json | method=\"POST\"",
                    T0 * NS,
                    (T0 + 60_000) * NS,
                    NS,
                    100,
                    false))
        .hasMessage(
            "the query would read more than 3 log lines; narrow the stream selector, add a line"
                + " filter or shorten the time range");
  }
}
