package io.meshlens.views;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.views.UsageReport.Group;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Computes the resource usage view with PromQL over the caller's scope. Each figure has candidate
 * queries in two naming dialects, the OpenTelemetry kubelet/k8s_cluster receivers' ({@code
 * k8s_pod_cpu_usage}, {@code container_cpu_usage}, {@code k8s_resource_quota_hard_limit}, ...) and
 * cAdvisor/kube-state-metrics' ({@code container_cpu_usage_seconds_total}, {@code
 * kube_pod_container_resource_requests}, {@code kube_resourcequota}, ...); the first candidate with
 * data is used and named in {@link UsageReport#sources()}.
 *
 * <p>Only series owned by the caller's tenants count (the {@code tenant} label): Istio edge series
 * are also visible to the peer tenant, but a tenant's usage is what its own pods and proxies
 * report.
 */
final class UsageView {

  /** Label names of one naming dialect. */
  enum Dialect {
    KUBELET("k8s_namespace_name", "k8s_pod_name", "k8s_container_name"),
    CADVISOR("namespace", "pod", "container");

    final String namespace;
    final String pod;
    final String container;

    Dialect(String namespace, String pod, String container) {
      this.namespace = namespace;
      this.pod = pod;
      this.container = container;
    }
  }

  /**
   * One way to compute a figure: a PromQL template where {@code $OWN} is the ownership matcher
   * (with a leading comma when present), {@code $BY} the grouping labels, {@code $RW} a rate window
   * and {@code $W} the view's window.
   */
  record Candidate(String source, Dialect dialect, String template) {}

  private static final String PROXY = "istio-proxy";

  static final List<Candidate> CPU =
      List.of(
          new Candidate(
              "k8s_pod_cpu_usage", Dialect.KUBELET, "sum by ($BY) (k8s_pod_cpu_usage{$OWN})"),
          new Candidate(
              "k8s_pod_cpu_time_seconds_total",
              Dialect.KUBELET,
              "sum by ($BY) (rate(k8s_pod_cpu_time_seconds_total{$OWN}[$RW]))"),
          new Candidate(
              "container_cpu_usage_seconds_total",
              Dialect.CADVISOR,
              "sum by ($BY) (rate(container_cpu_usage_seconds_total{container!=\"\",container!=\"POD\"$,OWN}[$RW]))"));
  static final List<Candidate> CPU_PROXY =
      List.of(
          new Candidate(
              "container_cpu_usage",
              Dialect.KUBELET,
              "sum by ($BY) (container_cpu_usage{k8s_container_name=\"" + PROXY + "\"$,OWN})"),
          new Candidate(
              "container_cpu_time_seconds_total",
              Dialect.KUBELET,
              "sum by ($BY) (rate(container_cpu_time_seconds_total{k8s_container_name=\""
                  + PROXY
                  + "\"$,OWN}[$RW]))"),
          new Candidate(
              "container_cpu_usage_seconds_total",
              Dialect.CADVISOR,
              "sum by ($BY) (rate(container_cpu_usage_seconds_total{container=\""
                  + PROXY
                  + "\"$,OWN}[$RW]))"));
  static final List<Candidate> MEMORY =
      List.of(
          new Candidate(
              "k8s_pod_memory_working_set_bytes",
              Dialect.KUBELET,
              "sum by ($BY) (k8s_pod_memory_working_set_bytes{$OWN})"),
          new Candidate(
              "container_memory_working_set_bytes",
              Dialect.CADVISOR,
              "sum by ($BY) (container_memory_working_set_bytes{container!=\"\",container!=\"POD\"$,OWN})"));
  static final List<Candidate> MEMORY_PROXY =
      List.of(
          new Candidate(
              "container_memory_working_set_bytes",
              Dialect.KUBELET,
              "sum by ($BY) (container_memory_working_set_bytes{k8s_container_name=\""
                  + PROXY
                  + "\"$,OWN})"),
          new Candidate(
              "container_memory_working_set_bytes",
              Dialect.CADVISOR,
              "sum by ($BY) (container_memory_working_set_bytes{container=\""
                  + PROXY
                  + "\"$,OWN})"));

  private static List<Candidate> lastOf(String kubelet, String ksm, String resource) {
    return List.of(
        new Candidate(
            kubelet, Dialect.KUBELET, "sum by ($BY) (last_over_time(" + kubelet + "{$OWN}[$W]))"),
        new Candidate(
            ksm,
            Dialect.CADVISOR,
            "sum by ($BY) (last_over_time(" + ksm + "{resource=\"" + resource + "\"$,OWN}[$W]))"));
  }

  static final List<Candidate> CPU_REQUESTS =
      lastOf("k8s_container_cpu_request", "kube_pod_container_resource_requests", "cpu");
  static final List<Candidate> CPU_LIMITS =
      lastOf("k8s_container_cpu_limit", "kube_pod_container_resource_limits", "cpu");
  static final List<Candidate> MEMORY_REQUESTS =
      lastOf(
          "k8s_container_memory_request_bytes", "kube_pod_container_resource_requests", "memory");
  static final List<Candidate> MEMORY_LIMITS =
      lastOf("k8s_container_memory_limit_bytes", "kube_pod_container_resource_limits", "memory");

  static final List<Candidate> QUOTA_HARD =
      List.of(
          new Candidate(
              "k8s_resource_quota_hard_limit",
              Dialect.KUBELET,
              "sum by ($BY, resource) (last_over_time(k8s_resource_quota_hard_limit{$OWN}[$W]))"),
          new Candidate(
              "kube_resourcequota",
              Dialect.CADVISOR,
              "sum by ($BY, resource) (last_over_time(kube_resourcequota{type=\"hard\"$,OWN}[$W]))"));
  static final List<Candidate> QUOTA_USED =
      List.of(
          new Candidate(
              "k8s_resource_quota_used",
              Dialect.KUBELET,
              "sum by ($BY, resource) (last_over_time(k8s_resource_quota_used{$OWN}[$W]))"),
          new Candidate(
              "kube_resourcequota",
              Dialect.CADVISOR,
              "sum by ($BY, resource) (last_over_time(kube_resourcequota{type=\"used\"$,OWN}[$W]))"));

  private static String meshBytes(String[][] parts) {
    List<String> terms = new ArrayList<>();
    for (String[] p : parts) {
      terms.add(
          "label_replace(GROWTH<"
              + p[0]
              + "{reporter=\""
              + p[1]
              + "\"$,OWN}>, \"part\", \""
              + p[0]
              + "\", \"\", \"\")");
    }
    return "sum by ($BY) (" + String.join(" or ", terms) + ")";
  }

  static final List<Candidate> NET_RECEIVE =
      List.of(
          new Candidate(
              "k8s_pod_network_io_bytes_total",
              Dialect.KUBELET,
              "sum by ($BY) (GROWTH<k8s_pod_network_io_bytes_total{direction=\"receive\"$,OWN}>)"),
          new Candidate(
              "container_network_receive_bytes_total",
              Dialect.CADVISOR,
              "sum by ($BY) (GROWTH<container_network_receive_bytes_total{$OWN}>)"),
          new Candidate(
              "istio",
              Dialect.KUBELET,
              meshBytes(
                  new String[][] {
                    {"istio_request_bytes_sum", "destination"},
                    {"istio_response_bytes_sum", "source"},
                    {"istio_tcp_received_bytes_total", "destination"},
                    {"istio_tcp_sent_bytes_total", "source"}
                  })));
  static final List<Candidate> NET_TRANSMIT =
      List.of(
          new Candidate(
              "k8s_pod_network_io_bytes_total",
              Dialect.KUBELET,
              "sum by ($BY) (GROWTH<k8s_pod_network_io_bytes_total{direction=\"transmit\"$,OWN}>)"),
          new Candidate(
              "container_network_transmit_bytes_total",
              Dialect.CADVISOR,
              "sum by ($BY) (GROWTH<container_network_transmit_bytes_total{$OWN}>)"),
          new Candidate(
              "istio",
              Dialect.KUBELET,
              meshBytes(
                  new String[][] {
                    {"istio_request_bytes_sum", "source"},
                    {"istio_response_bytes_sum", "destination"},
                    {"istio_tcp_sent_bytes_total", "destination"},
                    {"istio_tcp_received_bytes_total", "source"}
                  })));
  static final List<Candidate> REQUESTS_IN =
      List.of(
          new Candidate(
              "istio_requests_total",
              Dialect.KUBELET,
              "sum by ($BY) (GROWTH<istio_requests_total{reporter=\"destination\"$,OWN}>)"));
  static final List<Candidate> REQUESTS_OUT =
      List.of(
          new Candidate(
              "istio_requests_total",
              Dialect.KUBELET,
              "sum by ($BY) (GROWTH<istio_requests_total{reporter=\"source\"$,OWN}>)"));

  private final ViewQueries q;
  private final ViewParams p;
  private final UsageGroupBy groupBy;
  private final Map<String, String> sources = new LinkedHashMap<>();

  UsageView(ViewQueries q, ViewParams p, UsageGroupBy groupBy) {
    this.q = Objects.requireNonNull(q);
    this.p = Objects.requireNonNull(p);
    this.groupBy = Objects.requireNonNull(groupBy);
  }

  /** Computes the rows; telemetry volume is added by the caller. */
  UsageReport compute(List<UsageReport.TelemetryRow> telemetry) {
    Map<Group, double[]> cpu = series("cpu", CPU);
    Map<Group, double[]> cpuProxy = series("cpuProxy", CPU_PROXY);
    Map<Group, double[]> mem = series("memory", MEMORY);
    Map<Group, double[]> memProxy = series("memoryProxy", MEMORY_PROXY);
    Map<Group, Double> cpuReq = instant("cpuRequests", CPU_REQUESTS);
    Map<Group, Double> cpuLim = instant("cpuLimits", CPU_LIMITS);
    Map<Group, Double> memReq = instant("memoryRequests", MEMORY_REQUESTS);
    Map<Group, Double> memLim = instant("memoryLimits", MEMORY_LIMITS);
    Map<Group, Map<String, Double>> hard = Map.of();
    Map<Group, Map<String, Double>> used = Map.of();
    if (groupBy != UsageGroupBy.WORKLOAD) {
      hard = byResource("quotaHard", QUOTA_HARD);
      used = byResource("quotaUsed", QUOTA_USED);
    }
    Map<Group, Double> rx = instant("networkReceive", NET_RECEIVE);
    Map<Group, Double> tx = instant("networkTransmit", NET_TRANSMIT);
    Map<Group, Double> in = instant("requestsInbound", REQUESTS_IN);
    Map<Group, Double> out = instant("requestsOutbound", REQUESTS_OUT);

    TreeSet<Group> groups = new TreeSet<>();
    for (Map<Group, ?> m :
        List.of(
            cpu, cpuProxy, mem, memProxy, cpuReq, cpuLim, memReq, memLim, hard, used, rx, tx, in,
            out)) {
      groups.addAll(m.keySet());
    }
    double secs = p.windowMs() / 1000.0;
    List<UsageReport.Row> rows = new ArrayList<>();
    for (Group g : groups) {
      double[] c = cpu.getOrDefault(g, new double[0]);
      double[] cp = cpuProxy.getOrDefault(g, new double[0]);
      double[] m = mem.getOrDefault(g, new double[0]);
      double[] mp = memProxy.getOrDefault(g, new double[0]);
      Double cAvg = Stats.avg(c);
      Double cpAvg = Stats.avg(cp);
      Double mAvg = Stats.avg(m);
      Double mpAvg = Stats.avg(mp);
      UsageReport.Cpu cpuRow =
          new UsageReport.Cpu(
              cAvg,
              Stats.quantile(0.95, c),
              Stats.max(c),
              cpuReq.get(g),
              cpuLim.get(g),
              cpAvg,
              Stats.ratio(cpAvg, cAvg));
      UsageReport.Memory memRow =
          new UsageReport.Memory(
              mAvg,
              Stats.quantile(0.95, m),
              Stats.max(m),
              memReq.get(g),
              memLim.get(g),
              mpAvg,
              Stats.ratio(mpAvg, mAvg));
      Map<String, UsageReport.Quota> quota = null;
      Map<String, Double> h = hard.get(g);
      Map<String, Double> u = used.get(g);
      if (h != null || u != null) {
        quota = new TreeMap<>();
        TreeSet<String> resources = new TreeSet<>();
        if (h != null) {
          resources.addAll(h.keySet());
        }
        if (u != null) {
          resources.addAll(u.keySet());
        }
        for (String r : resources) {
          Double hv = h == null ? null : h.get(r);
          Double uv = u == null ? null : u.get(r);
          quota.put(r, new UsageReport.Quota(hv, uv, Stats.ratio(uv, hv)));
        }
      }
      Double r = rx.get(g);
      Double t = tx.get(g);
      UsageReport.Network net =
          r == null && t == null
              ? null
              : new UsageReport.Network(
                  r, t, r == null ? null : r / secs, t == null ? null : t / secs);
      Double i = in.get(g);
      Double o = out.get(g);
      UsageReport.Requests req =
          i == null && o == null
              ? null
              : new UsageReport.Requests(
                  i, o, i == null ? null : i / secs, o == null ? null : o / secs);
      rows.add(new UsageReport.Row(g, cpuRow, memRow, quota, net, req));
    }
    return new UsageReport(
        p.startMs(), p.endMs(), p.stepMs(), groupBy.label(), Map.copyOf(sources), rows, telemetry);
  }

  // ---- queries ----

  private String by(Dialect d) {
    return switch (groupBy) {
      case TENANT -> "tenant";
      case CLUSTER -> "tenant, cluster";
      case NAMESPACE -> "tenant, cluster, " + d.namespace;
      case WORKLOAD -> "tenant, cluster, " + d.namespace + ", " + d.pod;
    };
  }

  private static final Pattern GROWTH = Pattern.compile("GROWTH<([^>]*)>");

  private String render(Candidate c) {
    String own = q.ownedBy();
    long rw = Math.max(2 * p.stepMs(), 60_000);
    String w = ViewQueries.range(p.windowMs());
    String s =
        c.template()
            .replace("$,OWN", own.isEmpty() ? "" : "," + own)
            .replace("$OWN", own)
            .replace("$BY", by(c.dialect()))
            .replace("$RW", ViewQueries.range(rw))
            .replace("$W", w);
    // GROWTH<selector>: a counter's growth over the window, see ViewQueries.growth.
    Matcher m = GROWTH.matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(ViewQueries.growth(m.group(1), w)));
    }
    return m.appendTail(out).toString();
  }

  private Group groupOf(Labels l, Dialect d) {
    String tenant = ViewQueries.label(l, "tenant");
    return switch (groupBy) {
      case TENANT -> new Group(tenant, null, null, null);
      case CLUSTER -> new Group(tenant, ViewQueries.label(l, "cluster"), null, null);
      case NAMESPACE ->
          new Group(
              tenant, ViewQueries.label(l, "cluster"), ViewQueries.label(l, d.namespace), null);
      case WORKLOAD ->
          new Group(
              tenant,
              ViewQueries.label(l, "cluster"),
              ViewQueries.label(l, d.namespace),
              workloadOf(ViewQueries.label(l, d.pod)));
    };
  }

  /** Per group, the summed series at each step (steps where the group has no data are left out). */
  private Map<Group, double[]> series(String figure, List<Candidate> candidates) {
    for (Candidate c : candidates) {
      List<QueryResult.Series> found = q.matrix(render(c), p.startMs(), p.endMs(), p.stepMs());
      if (found.isEmpty()) {
        continue;
      }
      sources.put(figure, c.source());
      Map<Group, TreeMap<Long, Double>> acc = new TreeMap<>();
      for (QueryResult.Series s : found) {
        TreeMap<Long, Double> points =
            acc.computeIfAbsent(groupOf(s.labels(), c.dialect()), g -> new TreeMap<>());
        long[] ts = s.timestamps();
        double[] vs = s.values();
        for (int i = 0; i < ts.length; i++) {
          points.merge(ts[i], vs[i], Double::sum);
        }
      }
      Map<Group, double[]> out = new TreeMap<>();
      acc.forEach(
          (g, pts) -> out.put(g, pts.values().stream().mapToDouble(Double::doubleValue).toArray()));
      return out;
    }
    return Map.of();
  }

  /** Per group, an instant value at the window's end. */
  private Map<Group, Double> instant(String figure, List<Candidate> candidates) {
    for (Candidate c : candidates) {
      List<QueryResult.Sample> found = q.vector(render(c), p.endMs());
      if (found.isEmpty()) {
        continue;
      }
      sources.put(figure, c.source());
      Map<Group, Double> out = new TreeMap<>();
      for (QueryResult.Sample s : found) {
        out.merge(groupOf(s.labels(), c.dialect()), s.value(), Double::sum);
      }
      return out;
    }
    return Map.of();
  }

  /** Per group and quota resource, at the window's end; CPU in cores. */
  private Map<Group, Map<String, Double>> byResource(String figure, List<Candidate> candidates) {
    for (Candidate c : candidates) {
      List<QueryResult.Sample> found = q.vector(render(c), p.endMs());
      if (found.isEmpty()) {
        continue;
      }
      sources.put(figure, c.source());
      Map<Group, Map<String, Double>> out = new TreeMap<>();
      for (QueryResult.Sample s : found) {
        String resource = ViewQueries.label(s.labels(), "resource");
        double v = s.value();
        if (c.dialect() == Dialect.KUBELET && isCpu(resource)) {
          v /= 1000; // the k8s_cluster receiver reports CPU quantities in millicores
        }
        out.computeIfAbsent(groupOf(s.labels(), c.dialect()), g -> new TreeMap<>())
            .merge(resource, v, Double::sum);
      }
      return out;
    }
    return Map.of();
  }

  private static boolean isCpu(String resource) {
    return resource.equals("cpu") || resource.endsWith(".cpu");
  }

  private static final Pattern DEPLOYMENT_POD = Pattern.compile("(.+)-[a-z0-9]{6,10}-[a-z0-9]{5}");
  private static final Pattern STATEFUL_POD = Pattern.compile("(.+)-[0-9]+");
  private static final Pattern DAEMON_POD = Pattern.compile("(.+)-[a-z0-9]{5}");

  /**
   * The workload a pod belongs to, from Kubernetes' pod naming: {@code <deployment>-<replicaset
   * hash>-<suffix>}, {@code <statefulset>-<ordinal>}, {@code <daemonset>-<suffix>}; else the pod.
   */
  static String workloadOf(String pod) {
    for (Pattern p : List.of(DEPLOYMENT_POD, STATEFUL_POD, DAEMON_POD)) {
      Matcher m = p.matcher(pod);
      if (m.matches()) {
        return m.group(1);
      }
    }
    return pod;
  }
}
