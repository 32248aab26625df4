package io.meshlens.views;

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

/**
 * Computes the cross-cluster traffic view with PromQL over the caller's scope.
 *
 * <p>Reporter de-duplication as Kiali does it: every Istio edge metric is read as {@code
 * increase(m{reporter="destination"}[w]) or increase(m{reporter="source",
 * destination_workload="unknown"}[w])}, so a call that reached a destination sidecar is counted by
 * that sidecar and a call that never did (no healthy upstream, {@code 503 UH}) by its caller.
 * East-west gateways report the connections they pass through as source; those series match neither
 * part and are read separately as gateway load.
 *
 * <p>Tenants of both sides come from the tenants file (namespace and cluster). Nodes of tenants
 * outside the scope are peers: they keep tenant, cluster, namespace and service only.
 */
final class TrafficView {

  /** The east-west gateway's workload name, as Istio's multi-network installation names it. */
  static final String EAST_WEST_GATEWAY = "istio-eastwestgateway";

  private static final String EDGE =
      "source_cluster, source_workload_namespace, source_canonical_service, destination_cluster,"
          + " destination_service_namespace, destination_service_name, request_protocol, cluster,"
          + " reporter";

  private static final String FAILOVER_BY =
      "destination_service_namespace, destination_service_name, source_cluster,"
          + " destination_cluster";

  /** Share of a source cluster's calls served remotely above which a service has failed over. */
  static final double FAILOVER_SHARE = 0.5;

  private final ViewQueries q;
  private final ViewParams p;
  private final TenantDirectory tenants;

  TrafficView(ViewQueries q, ViewParams p, TenantDirectory tenants) {
    this.q = Objects.requireNonNull(q);
    this.p = Objects.requireNonNull(p);
    this.tenants = Objects.requireNonNull(tenants);
  }

  /** The de-duplicated increase of an Istio edge metric over the window. */
  static String dedup(String metric, String window) {
    return ViewQueries.growth(metric + "{reporter=\"destination\"}", window)
        + " or "
        + ViewQueries.growth(
            metric + "{reporter=\"source\",destination_workload=\"unknown\"}", window);
  }

  private static final class EdgeAcc {
    double requests;
    double errors;
    double reached;
    double mtls;
    double bytesSent;
    double bytesReceived;
    final Map<String, Double> latency = new LinkedHashMap<>();
    final TreeSet<String> srcWorkloads = new TreeSet<>();
    final TreeSet<String> dstWorkloads = new TreeSet<>();
  }

  private record NodeId(String cluster, String namespace, String service)
      implements Comparable<NodeId> {
    @Override
    public int compareTo(NodeId o) {
      return (cluster + '\0' + namespace + '\0' + service)
          .compareTo(o.cluster + '\0' + o.namespace + '\0' + o.service);
    }
  }

  private static final class NodeAcc {
    double in;
    double out;
    final TreeSet<String> workloads = new TreeSet<>();
  }

  TrafficReport compute() {
    String w = ViewQueries.range(p.windowMs());
    double secs = p.windowMs() / 1000.0;
    long end = p.endMs();
    Map<EdgeId, EdgeAcc> edges = new TreeMap<>();

    // Requests (HTTP, gRPC) and connections (TCP), with results and transport security.
    String detail =
        ", response_code, response_flags, connection_security_policy, source_workload,"
            + " destination_workload";
    for (String metric : List.of("istio_requests_total", "istio_tcp_connections_opened_total")) {
      String byDetail =
          metric.startsWith("istio_tcp") ? detail.replace(" response_code,", "") : detail;
      for (QueryResult.Sample s :
          q.vector("sum by (" + EDGE + byDetail + ") (" + dedup(metric, w) + ")", end)) {
        Labels l = s.labels();
        EdgeAcc a = edges.computeIfAbsent(EdgeId.of(l), k -> new EdgeAcc());
        double v = s.value();
        a.requests += v;
        if (isError(
            ViewQueries.label(l, "response_code"), ViewQueries.label(l, "response_flags"))) {
          a.errors += v;
        }
        if ("destination".equals(l.get("reporter"))) {
          a.reached += v;
          if ("mutual_tls".equals(l.get("connection_security_policy"))) {
            a.mtls += v;
          }
        }
        addWorkload(a.srcWorkloads, l.get("source_workload"));
        addWorkload(a.dstWorkloads, l.get("destination_workload"));
      }
    }
    // Bytes: request/response bodies for HTTP, the TCP byte counters for TCP.
    bytes(edges, "istio_request_bytes_sum", w, end, true);
    bytes(edges, "istio_response_bytes_sum", w, end, false);
    bytes(edges, "istio_tcp_received_bytes_total", w, end, true);
    bytes(edges, "istio_tcp_sent_bytes_total", w, end, false);
    // Latency percentiles: one query, so the engine reads the buckets once for all three.
    String buckets =
        "sum by ("
            + EDGE
            + ", le) ("
            + dedup("istio_request_duration_milliseconds_bucket", w)
            + ")";
    List<String> quantiles = new ArrayList<>();
    for (String[] quantile : new String[][] {{"p50", "0.5"}, {"p95", "0.95"}, {"p99", "0.99"}}) {
      quantiles.add(
          "label_replace(histogram_quantile("
              + quantile[1]
              + ", "
              + buckets
              + "), \"view_quantile\", \""
              + quantile[0]
              + "\", \"\", \"\")");
    }
    for (QueryResult.Sample s : q.vector(String.join(" or ", quantiles), end)) {
      EdgeAcc a = edges.get(EdgeId.of(s.labels()));
      if (a != null && !Double.isNaN(s.value())) {
        a.latency.put(ViewQueries.label(s.labels(), "view_quantile"), s.value());
      }
    }

    Scope scope = q.scope();
    List<TrafficReport.Edge> out = new ArrayList<>();
    Map<NodeId, NodeAcc> nodes = new TreeMap<>();
    Map<String, double[]> matrix = new TreeMap<>(); // src\0dst -> requests, errors, bytes
    Map<String, double[]> eastWest = new TreeMap<>(); // cluster -> http, tcp, rx, tx, opened
    for (Map.Entry<EdgeId, EdgeAcc> e : edges.entrySet()) {
      EdgeId id = e.getKey();
      EdgeAcc a = e.getValue();
      String srcTenant = tenants.tenantOf(id.srcNs(), id.srcCluster());
      String dstTenant = tenants.tenantOf(id.dstNs(), id.dstCluster());
      if (!scope.allows(srcTenant) && !scope.allows(dstTenant)) {
        continue;
      }
      boolean tcp = "tcp".equals(id.protocol());
      boolean reachedRemote =
          !"unknown".equals(id.dstCluster()) && !id.srcCluster().equals(id.dstCluster());
      double rate = a.requests / secs;
      out.add(
          new TrafficReport.Edge(
              new TrafficReport.Endpoint(srcTenant, id.srcCluster(), id.srcNs(), id.srcSvc()),
              new TrafficReport.Endpoint(dstTenant, id.dstCluster(), id.dstNs(), id.dstSvc()),
              id.protocol(),
              reachedRemote,
              !srcTenant.equals(dstTenant),
              a.requests,
              rate,
              a.errors,
              Stats.ratio(a.errors, a.requests),
              tcp || a.latency.isEmpty() ? null : Map.copyOf(a.latency),
              a.bytesSent / secs,
              a.bytesReceived / secs,
              Stats.ratio(a.mtls, a.reached)));
      NodeAcc src =
          nodes.computeIfAbsent(
              new NodeId(id.srcCluster(), id.srcNs(), id.srcSvc()), k -> new NodeAcc());
      src.out += a.requests;
      if (scope.allows(srcTenant)) {
        src.workloads.addAll(a.srcWorkloads);
      }
      NodeAcc dst =
          nodes.computeIfAbsent(
              new NodeId(id.dstCluster(), id.dstNs(), id.dstSvc()), k -> new NodeAcc());
      dst.in += a.requests;
      if (scope.allows(dstTenant)) {
        dst.workloads.addAll(a.dstWorkloads);
      }
      double[] cell =
          matrix.computeIfAbsent(id.srcCluster() + '\0' + id.dstCluster(), k -> new double[3]);
      cell[0] += a.requests;
      cell[1] += a.errors;
      cell[2] += a.bytesSent + a.bytesReceived;
      if (reachedRemote) {
        double[] g = eastWest.computeIfAbsent(id.dstCluster(), k -> new double[5]);
        g[tcp ? 1 : 0] += a.requests;
      }
    }
    gatewayLoad(eastWest, "istio_tcp_received_bytes_total", 2, w, end);
    gatewayLoad(eastWest, "istio_tcp_sent_bytes_total", 3, w, end);
    gatewayLoad(eastWest, "istio_tcp_connections_opened_total", 4, w, end);

    List<TrafficReport.MatrixCell> cells = new ArrayList<>();
    matrix.forEach(
        (k, v) -> {
          String[] c = k.split("\0", 2);
          cells.add(
              new TrafficReport.MatrixCell(
                  c[0], c[1], v[0] / secs, Stats.ratio(v[1], v[0]), v[2] / secs));
        });
    List<TrafficReport.EastWestGateway> gateways = new ArrayList<>();
    eastWest.forEach(
        (c, v) ->
            gateways.add(
                new TrafficReport.EastWestGateway(
                    c, v[0] / secs, v[1] / secs, v[2] / secs, v[3] / secs, v[4] / secs)));
    return new TrafficReport(
        p.startMs(), p.endMs(), clusters(nodes, scope), out, cells, gateways, failovers(scope));
  }

  private List<TrafficReport.ClusterNode> clusters(Map<NodeId, NodeAcc> nodes, Scope scope) {
    Map<String, Map<String, List<TrafficReport.ServiceNode>>> tree = new TreeMap<>();
    nodes.forEach(
        (id, n) -> {
          boolean own = scope.allows(tenants.tenantOf(id.namespace(), id.cluster()));
          tree.computeIfAbsent(id.cluster(), k -> new TreeMap<>())
              .computeIfAbsent(id.namespace(), k -> new ArrayList<>())
              .add(
                  new TrafficReport.ServiceNode(
                      id.service(),
                      !own,
                      own ? List.copyOf(n.workloads) : null,
                      n.in / (p.windowMs() / 1000.0),
                      n.out / (p.windowMs() / 1000.0)));
        });
    List<TrafficReport.ClusterNode> out = new ArrayList<>();
    tree.forEach(
        (cluster, namespaces) -> {
          List<TrafficReport.NamespaceNode> ns = new ArrayList<>();
          namespaces.forEach(
              (name, services) ->
                  ns.add(
                      new TrafficReport.NamespaceNode(
                          name, tenants.tenantOf(name, cluster), List.copyOf(services))));
          out.add(new TrafficReport.ClusterNode(cluster, List.copyOf(ns)));
        });
    return out;
  }

  private void bytes(Map<EdgeId, EdgeAcc> edges, String metric, String w, long end, boolean sent) {
    for (QueryResult.Sample s : q.vector("sum by (" + EDGE + ") (" + dedup(metric, w) + ")", end)) {
      EdgeAcc a = edges.get(EdgeId.of(s.labels()));
      if (a == null) {
        continue;
      }
      if (sent) {
        a.bytesSent += s.value();
      } else {
        a.bytesReceived += s.value();
      }
    }
  }

  private void gatewayLoad(
      Map<String, double[]> eastWest, String metric, int slot, String w, long end) {
    String query =
        "sum by (cluster) ("
            + ViewQueries.growth(
                metric + "{reporter=\"source\",source_workload=\"" + EAST_WEST_GATEWAY + "\"}", w)
            + ")";
    for (QueryResult.Sample s : q.vector(query, end)) {
      eastWest
              .computeIfAbsent(ViewQueries.label(s.labels(), "cluster"), k -> new double[5])[
              slot] +=
          s.value();
    }
  }

  /**
   * Services whose callers in one cluster were mostly served by other clusters at some step, having
   * been served mostly locally before (in the previous window, or at an earlier step).
   */
  private List<TrafficReport.Failover> failovers(Scope scope) {
    long step = Math.max(p.stepMs(), 10_000);
    String rw = ViewQueries.range(Math.max(2 * step, 20_000));
    String by = "sum by (" + FAILOVER_BY + ") ";
    List<QueryResult.Series> series =
        q.matrix(
            by + "(rate(istio_requests_total{reporter=\"destination\"}[" + rw + "]))",
            p.startMs(),
            p.endMs(),
            step);
    // (namespace, service, source cluster) -> timestamp -> [local, remote]
    Map<String, TreeMap<Long, double[]>> shares = new TreeMap<>();
    Map<String, TreeSet<String>> remotes = new TreeMap<>();
    for (QueryResult.Series s : series) {
      Labels l = s.labels();
      String src = ViewQueries.label(l, "source_cluster");
      String dst = ViewQueries.label(l, "destination_cluster");
      String key = failoverKey(l, src);
      boolean local = src.equals(dst);
      TreeMap<Long, double[]> byTime = shares.computeIfAbsent(key, k -> new TreeMap<>());
      for (int i = 0; i < s.size(); i++) {
        byTime.computeIfAbsent(s.timestamps()[i], t -> new double[2])[local ? 0 : 1] +=
            s.values()[i];
      }
      if (!local) {
        remotes.computeIfAbsent(key, k -> new TreeSet<>()).add(dst);
      }
    }
    Map<String, double[]> baseline = new TreeMap<>();
    for (QueryResult.Sample s :
        q.vector(
            by
                + "("
                + ViewQueries.growth(
                    "istio_requests_total{reporter=\"destination\"}",
                    ViewQueries.range(p.windowMs()))
                + ")",
            p.startMs())) {
      Labels l = s.labels();
      String src = ViewQueries.label(l, "source_cluster");
      baseline
              .computeIfAbsent(failoverKey(l, src), k -> new double[2])[
              src.equals(ViewQueries.label(l, "destination_cluster")) ? 0 : 1] +=
          s.value();
    }
    List<TrafficReport.Failover> out = new ArrayList<>();
    for (Map.Entry<String, TreeMap<Long, double[]>> e : shares.entrySet()) {
      String[] k = e.getKey().split("\0", 3);
      String tenant = tenants.tenantOf(k[0], k[2]);
      if (!scope.allows(tenant)) {
        continue;
      }
      double[] b = baseline.get(e.getKey());
      Double baseLocal = b == null ? null : Stats.ratio(b[0], b[0] + b[1]);
      boolean wasLocal = baseLocal != null && baseLocal > FAILOVER_SHARE;
      long from = -1;
      long to = -1;
      double peak = 0;
      for (Map.Entry<Long, double[]> t : e.getValue().entrySet()) {
        double[] v = t.getValue();
        double total = v[0] + v[1];
        if (total <= 0) {
          continue;
        }
        double remote = v[1] / total;
        if (remote > FAILOVER_SHARE) {
          if (from < 0) {
            from = t.getKey();
          }
          to = t.getKey();
          peak = Math.max(peak, remote);
        } else if (from < 0) {
          wasLocal = true;
        }
      }
      if (from >= 0 && wasLocal) {
        out.add(
            new TrafficReport.Failover(
                tenant,
                k[0],
                k[1],
                k[2],
                List.copyOf(remotes.getOrDefault(e.getKey(), new TreeSet<>())),
                from,
                to,
                peak,
                baseLocal));
      }
    }
    return out;
  }

  private static String failoverKey(Labels l, String sourceCluster) {
    return ViewQueries.label(l, "destination_service_namespace")
        + '\0'
        + ViewQueries.label(l, "destination_service_name")
        + '\0'
        + sourceCluster;
  }

  private static void addWorkload(TreeSet<String> set, String workload) {
    if (workload != null && !workload.isEmpty() && !"unknown".equals(workload)) {
      set.add(workload);
    }
  }

  /** A 5xx response, or any Envoy response flag ({@code -} means none). */
  static boolean isError(String code, String flags) {
    if (code.length() == 3 && code.charAt(0) == '5') {
      return true;
    }
    return !flags.isEmpty() && !"-".equals(flags);
  }
}
