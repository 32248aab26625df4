package io.meshlens.views;

import io.meshlens.api.ApiError;
import io.meshlens.model.Labels;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.Scope;
import io.meshlens.tenancy.TenantDirectory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * Computes the mesh health view with PromQL over the caller's scope.
 *
 * <p>The control plane comes from istiod's own {@code /metrics} as the Prometheus receiver scrapes
 * it ({@code pilot_*}, {@code citadel_*}, {@code istio_build}; each series carries the {@code
 * cluster} of the collector). Golden signals use the traffic view's reporter de-duplication and are
 * grouped by the tenant of the destination service's namespace in the serving cluster. Freshness
 * and ingest lag are given as inputs: they come from the store's index and the consumers, not from
 * PromQL.
 *
 * <p>A tenant caller gets golden signals of its own tenants only; everything mesh-wide is left out
 * (it would name other tenants' clusters and load).
 */
final class HealthView {

  /** Default silence threshold: this many scrape intervals without a sample. */
  static final int DEFAULT_SILENT_AFTER_SCRAPES = 4;

  /** Default scrape interval (Prometheus' and the Collector's usual 15 s). */
  static final long DEFAULT_SCRAPE_INTERVAL_MS = 15_000;

  private static final String[][] ERROR_METRICS = {
    {"internal_errors", counter("pilot_total_xds_internal_errors", "")},
    {"push_context_errors", counter("pilot_xds_push_context_errors", "")},
    {"rejects", counter("pilot_total_xds_rejects", "")},
    {"write_timeouts", counter("pilot_xds_write_timeout", "")},
  };

  /**
   * A selector for an istiod counter under its scraped name and the names Prometheus' OTLP
   * translation gives it: {@code _total} appended to a monotonic sum, and a {@code total} word
   * elsewhere in the name dropped ({@code pilot_total_xds_rejects} becomes {@code
   * pilot_xds_rejects_total}).
   */
  static String counter(String name, String matchers) {
    String names = name + "|" + name + "_total";
    if (name.contains("_total_")) {
      names += "|" + name.replace("_total_", "_") + "_total";
    }
    return "{__name__=~\"" + names + "\"" + matchers + "}";
  }

  private static final String GOLDEN_BY = "destination_service_namespace, cluster";

  private final ViewQueries q;
  private final ViewParams p;
  private final TenantDirectory tenants;
  private final int silentAfterScrapes;
  private final long scrapeIntervalMs;

  HealthView(
      ViewQueries q,
      ViewParams p,
      TenantDirectory tenants,
      int silentAfterScrapes,
      long scrapeIntervalMs) {
    this.q = Objects.requireNonNull(q);
    this.p = Objects.requireNonNull(p);
    this.tenants = Objects.requireNonNull(tenants);
    this.silentAfterScrapes = silentAfterScrapes;
    this.scrapeIntervalMs = scrapeIntervalMs;
  }

  /** The {@code silentAfter} parameter: a positive number of scrape intervals, default 4. */
  static int silentAfter(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_SILENT_AFTER_SCRAPES;
    }
    try {
      int n = Integer.parseInt(value);
      if (n > 0 && n <= 10_000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw ApiError.badData(
        "invalid parameter \"silentAfter\": \""
            + value
            + "\" is not a number of scrape intervals between 1 and 10000");
  }

  /** The {@code scrapeInterval} parameter: a positive duration, default 15 s. */
  static long scrapeInterval(String value) {
    if (value == null || value.isEmpty()) {
      return DEFAULT_SCRAPE_INTERVAL_MS;
    }
    long ms = ViewParams.duration("scrapeInterval", value);
    if (ms <= 0) {
      throw ApiError.badData(
          "invalid parameter \"scrapeInterval\": zero or negative durations are not accepted");
    }
    return ms;
  }

  /**
   * The view. {@code newestSampleByCluster} and {@code lag} are only read for the SRE scope.
   *
   * @param newestSampleByCluster newest stored sample per {@code cluster} label value (ms)
   * @param lag consumer lag per partition
   */
  HealthReport compute(Map<String, Long> newestSampleByCluster, Map<TopicPartition, Long> lag) {
    Scope scope = q.scope();
    List<HealthReport.GoldenSignals> golden = goldenSignals(scope);
    if (!scope.isEverything()) {
      return new HealthReport(p.startMs(), p.endMs(), null, golden, null, null);
    }
    HealthReport.Freshness freshness = freshness(newestSampleByCluster);
    TreeSet<String> clusters = new TreeSet<>(newestSampleByCluster.keySet());
    return new HealthReport(
        p.startMs(), p.endMs(), controlPlanes(clusters), golden, freshness, ingestLag(lag));
  }

  private HealthReport.Freshness freshness(Map<String, Long> newest) {
    double threshold = silentAfterScrapes * (double) scrapeIntervalMs / 1000.0;
    List<HealthReport.ClusterFreshness> rows = new ArrayList<>();
    List<String> silent = new ArrayList<>();
    new TreeMap<>(newest)
        .forEach(
            (cluster, t) -> {
              if (cluster.isEmpty()) {
                return;
              }
              double age = Math.max(0, p.endMs() - t) / 1000.0;
              boolean s = age > threshold;
              rows.add(new HealthReport.ClusterFreshness(cluster, t, age, s));
              if (s) {
                silent.add(cluster);
              }
            });
    return new HealthReport.Freshness(
        silentAfterScrapes, scrapeIntervalMs / 1000.0, threshold, rows, silent);
  }

  private static final class Plane {
    Long lastScrape;
    String version;
    Double proxies;
    double pushes;
    final Map<String, Double> errors = new LinkedHashMap<>();
    Double convergenceP99;
    Long rootCert;
    Long chainCert;
  }

  private List<HealthReport.ControlPlane> controlPlanes(TreeSet<String> knownClusters) {
    String w = ViewQueries.range(p.windowMs());
    long end = p.endMs();
    Map<String, Plane> planes = new TreeMap<>();
    for (String c : knownClusters) {
      if (!c.isEmpty()) {
        planes.put(c, new Plane());
      }
    }
    for (QueryResult.Sample s : q.vector("max by (cluster) (timestamp(pilot_xds))", end)) {
      plane(planes, s).lastScrape = Math.round(s.value() * 1000);
    }
    for (QueryResult.Sample s : q.vector("sum by (cluster) (pilot_xds)", end)) {
      plane(planes, s).proxies = s.value();
    }
    for (QueryResult.Sample s :
        q.vector("max by (cluster, tag) (istio_build{component=\"pilot\"})", end)) {
      plane(planes, s).version = s.labels().get("tag");
    }
    for (QueryResult.Sample s :
        q.vector(
            "sum by (cluster) ("
                + ViewQueries.growth(counter("pilot_xds_pushes", ",type!~\".*_senderr\""), w)
                + ")",
            end)) {
      plane(planes, s).pushes = s.value();
    }
    for (QueryResult.Sample s :
        q.vector(
            "sum by (cluster) ("
                + ViewQueries.growth(counter("pilot_xds_pushes", ",type=~\".*_senderr\""), w)
                + ")",
            end)) {
      plane(planes, s).errors.put("send_errors", s.value());
    }
    for (String[] m : ERROR_METRICS) {
      for (QueryResult.Sample s :
          q.vector("sum by (cluster) (" + ViewQueries.growth(m[1], w) + ")", end)) {
        plane(planes, s).errors.put(m[0], s.value());
      }
    }
    for (QueryResult.Sample s :
        q.vector(
            "histogram_quantile(0.99, sum by (cluster, le) ("
                + ViewQueries.growth("pilot_proxy_convergence_time_bucket", w)
                + "))",
            end)) {
      if (!Double.isNaN(s.value())) {
        plane(planes, s).convergenceP99 = s.value();
      }
    }
    for (QueryResult.Sample s :
        q.vector("min by (cluster) (citadel_server_root_cert_expiry_timestamp)", end)) {
      plane(planes, s).rootCert = Math.round(s.value());
    }
    for (QueryResult.Sample s :
        q.vector("min by (cluster) (citadel_server_cert_chain_expiry_timestamp)", end)) {
      plane(planes, s).chainCert = Math.round(s.value());
    }
    long thresholdMs = silentAfterScrapes * scrapeIntervalMs;
    double secs = p.windowMs() / 1000.0;
    List<HealthReport.ControlPlane> out = new ArrayList<>();
    planes.forEach(
        (cluster, pl) -> {
          // Either may be missing, e.g. in a cluster without istiod.
          Long earliest = pl.rootCert;
          if (earliest == null || (pl.chainCert != null && pl.chainCert < earliest)) {
            earliest = pl.chainCert;
          }
          double errors = pl.errors.values().stream().mapToDouble(Double::doubleValue).sum();
          out.add(
              new HealthReport.ControlPlane(
                  cluster,
                  pl.lastScrape != null && end - pl.lastScrape <= thresholdMs,
                  pl.lastScrape,
                  pl.version,
                  pl.proxies,
                  pl.pushes,
                  pl.pushes / secs,
                  errors,
                  Map.copyOf(pl.errors),
                  pl.convergenceP99,
                  pl.rootCert,
                  pl.chainCert,
                  earliest == null ? null : (earliest * 1000.0 - end) / 86_400_000.0));
        });
    return out;
  }

  private static Plane plane(Map<String, Plane> planes, QueryResult.Sample s) {
    return planes.computeIfAbsent(ViewQueries.label(s.labels(), "cluster"), k -> new Plane());
  }

  private List<HealthReport.GoldenSignals> goldenSignals(Scope scope) {
    String w = ViewQueries.range(p.windowMs());
    double secs = p.windowMs() / 1000.0;
    long end = p.endMs();
    // (tenant, cluster) -> requests, errors
    Map<String, double[]> counts = new TreeMap<>();
    for (QueryResult.Sample s :
        q.vector(
            "sum by ("
                + GOLDEN_BY
                + ", response_code, response_flags) ("
                + TrafficView.dedup("istio_requests_total", w)
                + ")",
            end)) {
      String key = key(s.labels());
      if (key == null) {
        continue;
      }
      double[] c = counts.computeIfAbsent(key, k -> new double[2]);
      c[0] += s.value();
      if (TrafficView.isError(
          ViewQueries.label(s.labels(), "response_code"),
          ViewQueries.label(s.labels(), "response_flags"))) {
        c[1] += s.value();
      }
    }
    // Buckets per namespace and cluster, summed per tenant here: the tenant of a namespace comes
    // from the tenants file, so PromQL cannot group by it.
    Map<String, TreeMap<Double, Double>> buckets = new TreeMap<>();
    for (QueryResult.Sample s :
        q.vector(
            "sum by ("
                + GOLDEN_BY
                + ", le) ("
                + TrafficView.dedup("istio_request_duration_milliseconds_bucket", w)
                + ")",
            end)) {
      String key = key(s.labels());
      double le = Stats.parseLe(ViewQueries.label(s.labels(), "le"));
      if (key == null || Double.isNaN(le)) {
        continue;
      }
      buckets.computeIfAbsent(key, k -> new TreeMap<>()).merge(le, s.value(), Double::sum);
    }
    Map<String, Map<String, Double>> latency = new TreeMap<>();
    buckets.forEach(
        (key, b) -> {
          Map<String, Double> l = new LinkedHashMap<>();
          for (String[] qn : new String[][] {{"p50", "0.5"}, {"p95", "0.95"}, {"p99", "0.99"}}) {
            double v = Stats.bucketQuantile(Double.parseDouble(qn[1]), b);
            if (!Double.isNaN(v)) {
              l.put(qn[0], v);
            }
          }
          if (!l.isEmpty()) {
            latency.put(key, l);
          }
        });
    List<HealthReport.GoldenSignals> out = new ArrayList<>();
    counts.forEach(
        (key, c) -> {
          String[] tc = key.split("\0", 2);
          if (!scope.allows(tc[0])) {
            return;
          }
          Map<String, Double> l = latency.get(key);
          out.add(
              new HealthReport.GoldenSignals(
                  tc[0],
                  tc[1],
                  c[0],
                  c[0] / secs,
                  c[1],
                  Stats.ratio(c[1], c[0]),
                  l == null ? null : Map.copyOf(l)));
        });
    return out;
  }

  /** {@code tenant\0cluster} of a golden-signal row, null without a cluster. */
  private String key(Labels l) {
    String cluster = ViewQueries.label(l, "cluster");
    if (cluster.isEmpty()) {
      return null;
    }
    String tenant =
        tenants.tenantOf(ViewQueries.label(l, "destination_service_namespace"), cluster);
    return tenant + '\0' + cluster;
  }

  private static HealthReport.IngestLag ingestLag(Map<TopicPartition, Long> lag) {
    List<HealthReport.PartitionLag> parts = new ArrayList<>();
    long total = 0;
    Map<String, Long> sorted = new TreeMap<>();
    Map<String, TopicPartition> byKey = new TreeMap<>();
    for (Map.Entry<TopicPartition, Long> e : lag.entrySet()) {
      String k = e.getKey().topic() + String.format("\0%08d", e.getKey().partition());
      sorted.put(k, e.getValue());
      byKey.put(k, e.getKey());
    }
    for (Map.Entry<String, Long> e : sorted.entrySet()) {
      TopicPartition tp = byKey.get(e.getKey());
      long v = Math.max(0, e.getValue());
      total += v;
      parts.add(new HealthReport.PartitionLag(tp.topic(), tp.partition(), v));
    }
    return new HealthReport.IngestLag(total, parts);
  }
}
