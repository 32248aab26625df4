package io.meshlens.views;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesReader;
import io.meshlens.store.StoreReadException;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantsConfig;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tenant isolation audit: which tenants talk to which (against {@code allowedPeers} in the
 * tenants file), which traffic is plaintext, which requests authorization policies denied. The
 * entry point for {@code GET /api/v1/views/isolation} and for anything else that needs the findings
 * (e.g. {@code /metrics} rollups): {@link #audit} and {@link #findingsByTenant}.
 *
 * <pre>{@code
 * IsolationAudit audit = new IsolationAudit(engine, metricStore, accessLogStore, tenants);
 * Map<String, List<IsolationReport.Finding>> byTenant =
 *     audit.findingsByTenant(Scope.everything(), now - 3_600_000, now, 60_000);
 * }</pre>
 *
 * <p>Counts come from the Istio edge metrics, de-duplicated as in the traffic view (a call counted
 * by the destination's sidecar, or by the caller's when it reached none): cross-tenant traffic from
 * every request and TCP connection between the two tenants; plaintext from what destination
 * sidecars report with a {@code connection_security_policy} other than {@code mutual_tls}; denials
 * from destination-reported HTTP 403 and gRPC status 7 (PERMISSION_DENIED), confirmed against the
 * access logs, where Envoy's RBAC filter leaves {@code rbac_access_denied_matched_policy[...]} in
 * {@code response_code_details}. Example request ids come from the access logs.
 *
 * <p>Not findings: traffic from or to the {@code platform} tenant (gateways and control plane serve
 * every tenant) and callers Istio could not identify ({@code source_workload_namespace="unknown"},
 * e.g. a client without a sidecar): those show up as plaintext when they are.
 *
 * <p>Scope: the metric queries run with the caller's scope (edge series are visible to both tenants
 * of the edge), and findings are kept when the source or the destination tenant is in the scope.
 * The example request id is looked up in the access logs of the finding's two tenants.
 */
public final class IsolationAudit {

  /** Text Envoy's RBAC filter puts into {@code response_code_details} of a denied request. */
  public static final String RBAC_DETAILS = "rbac_access_denied";

  private static final String EDGE =
      "source_cluster, source_workload_namespace, source_canonical_service, destination_cluster,"
          + " destination_service_namespace, destination_service_name, request_protocol, cluster,"
          + " reporter";

  private final PromqlEngine engine;
  private final SeriesReader reader;
  private final AccessLogStore logs;
  private final TenantDirectory tenants;

  /**
   * @param logs the access log store, or null when access logs are not kept (findings then carry no
   *     example request ids and denials stay unconfirmed)
   */
  public IsolationAudit(
      PromqlEngine engine, SeriesReader reader, AccessLogStore logs, TenantDirectory tenants) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.reader = Objects.requireNonNull(reader, "reader");
    this.logs = logs;
    this.tenants = Objects.requireNonNull(tenants, "tenants");
  }

  /**
   * The audit of {@code [startMs, endMs]} as {@code scope} may see it; first and last seen at
   * {@code stepMs} resolution.
   */
  public IsolationReport audit(Scope scope, long startMs, long endMs, long stepMs) {
    if (endMs < startMs || stepMs <= 0) {
      throw new IllegalArgumentException("need startMs <= endMs and stepMs > 0");
    }
    return compute(new ViewQueries(engine, reader, scope), new ViewParams(startMs, endMs, stepMs));
  }

  /**
   * The findings of each tenant in {@code scope} (as source or destination; a finding between two
   * tenants in scope is listed under both), tenants sorted by name.
   */
  public Map<String, List<IsolationReport.Finding>> findingsByTenant(
      Scope scope, long startMs, long endMs, long stepMs) {
    Map<String, List<IsolationReport.Finding>> out = new TreeMap<>();
    for (IsolationReport.Finding f : audit(scope, startMs, endMs, stepMs).findings()) {
      for (String t : new TreeSet<>(List.of(f.source().tenant(), f.destination().tenant()))) {
        if (scope.allows(t)) {
          out.computeIfAbsent(t, k -> new ArrayList<>()).add(f);
        }
      }
    }
    return out;
  }

  /** A finding being accumulated: its counts and, per step, the growth of its counter sum. */
  private static final class Acc {
    final IsolationReport.Kind kind;
    final EdgeId edge;
    final String policy;
    double count;
    Long firstSeen;
    Long lastSeen;

    Acc(IsolationReport.Kind kind, EdgeId edge, String policy) {
      this.kind = kind;
      this.edge = edge;
      this.policy = policy;
    }
  }

  IsolationReport compute(ViewQueries q, ViewParams p) {
    Scope scope = q.scope();
    String w = ViewQueries.range(p.windowMs());
    long end = p.endMs();
    Map<String, Acc> findings = new TreeMap<>();
    String detail = ", connection_security_policy, response_code, grpc_response_status";
    for (String metric : List.of("istio_requests_total", "istio_tcp_connections_opened_total")) {
      String by = metric.startsWith("istio_tcp") ? ", connection_security_policy" : detail;
      for (QueryResult.Sample s :
          q.vector("sum by (" + EDGE + by + ") (" + TrafficView.dedup(metric, w) + ")", end)) {
        if (s.value() <= 0) {
          continue;
        }
        classify(findings, s.labels(), s.value(), metric.startsWith("istio_tcp"));
      }
    }
    // Keep what the scope may see before the costlier steps.
    findings.values().removeIf(a -> !scope.allows(srcTenant(a)) && !scope.allows(dstTenant(a)));
    seen(q, p, findings);
    List<Acc> accs = new ArrayList<>(findings.values());
    List<String> examples = examples(accs, p);
    List<IsolationReport.Finding> out = new ArrayList<>();
    double secs = p.windowMs() / 1000.0;
    for (int k = 0; k < accs.size(); k++) {
      Acc a = accs.get(k);
      String src = srcTenant(a);
      String dst = dstTenant(a);
      boolean allowed = tenants.allowedPeers(src, dst);
      String example = examples.get(k);
      Boolean confirmed = null;
      if (a.kind == IsolationReport.Kind.AUTHZ_DENIED && lookedUp(a)) {
        confirmed = example != null;
      }
      out.add(
          new IsolationReport.Finding(
              a.kind,
              a.kind != IsolationReport.Kind.CROSS_TENANT || !allowed,
              new TrafficReport.Endpoint(src, a.edge.srcCluster(), a.edge.srcNs(), a.edge.srcSvc()),
              new TrafficReport.Endpoint(dst, a.edge.dstCluster(), a.edge.dstNs(), a.edge.dstSvc()),
              a.edge.protocol(),
              a.kind == IsolationReport.Kind.CROSS_TENANT ? allowed : null,
              a.policy,
              a.count,
              a.count / secs,
              a.firstSeen,
              a.lastSeen,
              example,
              confirmed));
    }
    return new IsolationReport(p.startMs(), p.endMs(), p.stepMs(), out, summaries(scope, out));
  }

  private String srcTenant(Acc a) {
    return tenants.tenantOf(a.edge.srcNs(), a.edge.srcCluster());
  }

  private String dstTenant(Acc a) {
    // A call that reached no destination still names the service; its namespace is owned as in
    // the caller's cluster (namespace sameness).
    String cluster =
        "unknown".equals(a.edge.dstCluster()) ? a.edge.srcCluster() : a.edge.dstCluster();
    return tenants.tenantOf(a.edge.dstNs(), cluster);
  }

  private void classify(Map<String, Acc> findings, Labels l, double v, boolean tcp) {
    EdgeId e = EdgeId.of(l);
    boolean byDestination = "destination".equals(l.get("reporter"));
    String dstCluster = "unknown".equals(e.dstCluster()) ? e.srcCluster() : e.dstCluster();
    String src = tenants.tenantOf(e.srcNs(), e.srcCluster());
    String dst = tenants.tenantOf(e.dstNs(), dstCluster);
    if (!"unknown".equals(e.srcNs())
        && !src.equals(dst)
        && !TenantsConfig.PLATFORM.equals(src)
        && !TenantsConfig.PLATFORM.equals(dst)) {
      add(findings, IsolationReport.Kind.CROSS_TENANT, e, null, v);
    }
    String policy = ViewQueries.label(l, "connection_security_policy");
    if (byDestination
        && !policy.isEmpty()
        && !"mutual_tls".equals(policy)
        && !"unknown".equals(policy)) {
      add(findings, IsolationReport.Kind.PLAINTEXT, e, policy, v);
    }
    if (!tcp && byDestination) {
      boolean grpc = "grpc".equals(e.protocol());
      String code = ViewQueries.label(l, "response_code");
      String status = ViewQueries.label(l, "grpc_response_status");
      if ((!grpc && "403".equals(code)) || (grpc && "7".equals(status))) {
        add(findings, IsolationReport.Kind.AUTHZ_DENIED, e, null, v);
      }
    }
  }

  private static void add(
      Map<String, Acc> findings, IsolationReport.Kind kind, EdgeId e, String policy, double v) {
    String key = kind.ordinal() + "\0" + e.key() + "\0" + (policy == null ? "" : policy);
    findings.computeIfAbsent(key, k -> new Acc(kind, e, policy)).count += v;
  }

  /**
   * First and last seen: the counters of the findings' edges at every step of the window, summed
   * per finding; a step in which the sum grew saw the finding. Range queries restricted to the
   * source and destination namespaces of the findings.
   */
  private void seen(ViewQueries q, ViewParams p, Map<String, Acc> findings) {
    if (findings.isEmpty()) {
      return;
    }
    Set<String> sources = new TreeSet<>();
    Set<String> destinations = new TreeSet<>();
    for (Acc a : findings.values()) {
      sources.add(ViewQueries.regexLiteral(a.edge.srcNs()));
      destinations.add(ViewQueries.regexLiteral(a.edge.dstNs()));
    }
    String ns =
        "source_workload_namespace=~\""
            + String.join("|", sources)
            + "\",destination_service_namespace=~\""
            + String.join("|", destinations)
            + "\"";
    for (String metric : List.of("istio_requests_total", "istio_tcp_connections_opened_total")) {
      boolean tcp = metric.startsWith("istio_tcp");
      String by =
          EDGE
              + (tcp
                  ? ", connection_security_policy"
                  : ", connection_security_policy, response_code, grpc_response_status");
      // The two reporters' series as in TrafficView#dedup, one query each: reporter is among the
      // grouping labels, so their groups never meet and no `or` has to compare label sets per step.
      List<QueryResult.Series> series = new ArrayList<>();
      for (String reporter :
          List.of(
              "reporter=\"destination\"", "reporter=\"source\",destination_workload=\"unknown\"")) {
        series.addAll(
            q.matrix(
                "sum by (" + by + ") (" + metric + "{" + reporter + "," + ns + "})",
                p.startMs(),
                p.endMs(),
                p.stepMs()));
      }
      // Per finding and step, the sum of its series' values; growth between steps is what counts.
      Map<Acc, TreeMap<Long, Double>> sums = new LinkedHashMap<>();
      for (QueryResult.Series s : series) {
        Map<String, Acc> probe = new TreeMap<>();
        classify(probe, s.labels(), 1, tcp);
        for (Acc match : probe.values()) {
          String key =
              match.kind.ordinal()
                  + "\0"
                  + match.edge.key()
                  + "\0"
                  + (match.policy == null ? "" : match.policy);
          Acc a = findings.get(key);
          if (a == null) {
            continue;
          }
          TreeMap<Long, Double> byStep = sums.computeIfAbsent(a, k -> new TreeMap<>());
          for (int i = 0; i < s.size(); i++) {
            byStep.merge(s.timestamps()[i], s.values()[i], Double::sum);
          }
        }
      }
      sums.forEach(
          (a, byStep) -> {
            Double before = null;
            for (long t = p.startMs(); t <= p.endMs(); t += p.stepMs()) {
              Double v = byStep.get(t);
              double now = v == null ? 0 : v;
              double prev = before == null ? 0 : before;
              // A series present at the first step holds growth from before the window.
              if ((before != null || t > p.startMs()) && now > prev) {
                if (a.firstSeen == null || t < a.firstSeen) {
                  a.firstSeen = t;
                }
                if (a.lastSeen == null || t > a.lastSeen) {
                  a.lastSeen = t;
                }
              }
              before = now;
            }
          });
    }
  }

  /**
   * Whether the access logs can hold an example of the finding: there is a log store, Istio knew
   * the caller, and the traffic is requests (TCP connections carry no request id).
   */
  private boolean lookedUp(Acc a) {
    return logs != null && !"unknown".equals(a.edge.srcNs()) && !"tcp".equals(a.edge.protocol());
  }

  /**
   * The example request id of each finding (null where there is none or none was looked for), in
   * one batch against the access logs: the newest such request in the window (and the step before
   * it, where the first step's growth happened).
   */
  private List<String> examples(List<Acc> accs, ViewParams p) {
    List<String> out = new ArrayList<>(Collections.nCopies(accs.size(), (String) null));
    List<AccessLogStore.ExampleCall> calls = new ArrayList<>();
    List<Integer> index = new ArrayList<>();
    long start = p.startMs() - p.stepMs();
    for (int k = 0; k < accs.size(); k++) {
      Acc a = accs.get(k);
      if (!lookedUp(a)) {
        continue;
      }
      boolean reached = !"unknown".equals(a.edge.dstCluster());
      calls.add(
          new AccessLogStore.ExampleCall(
              Set.copyOf(List.of(srcTenant(a), dstTenant(a))),
              a.edge.srcCluster(),
              a.edge.srcNs(),
              reached ? a.edge.dstCluster() : null,
              a.edge.dstNs(),
              a.edge.dstSvc() + "." + a.edge.dstNs() + ".svc.",
              a.kind == IsolationReport.Kind.AUTHZ_DENIED ? RBAC_DETAILS : null));
      index.add(k);
    }
    if (calls.isEmpty()) {
      return out;
    }
    try {
      List<String> found = logs.exampleRequestIds(calls, start, p.endMs() + 1);
      for (int j = 0; j < index.size(); j++) {
        out.set(index.get(j), found.get(j));
      }
    } catch (SQLException e) {
      throw new StoreReadException("access log read failed: " + e.getMessage(), e);
    }
    return out;
  }

  private static List<IsolationReport.TenantSummary> summaries(
      Scope scope, List<IsolationReport.Finding> findings) {
    Map<String, double[]> by = new TreeMap<>(); // violations, violations/s, plaintext/s, denied/s
    for (IsolationReport.Finding f : findings) {
      for (String t : new TreeSet<>(List.of(f.source().tenant(), f.destination().tenant()))) {
        if (!scope.allows(t)) {
          continue;
        }
        double[] s = by.computeIfAbsent(t, k -> new double[4]);
        switch (f.kind()) {
          case CROSS_TENANT -> {
            if (f.violation()) {
              s[0]++;
              s[1] += f.ratePerSecond();
            }
          }
          case PLAINTEXT -> s[2] += f.ratePerSecond();
          case AUTHZ_DENIED -> s[3] += f.ratePerSecond();
        }
      }
    }
    List<IsolationReport.TenantSummary> out = new ArrayList<>();
    by.forEach(
        (t, s) -> out.add(new IsolationReport.TenantSummary(t, (int) s[0], s[1], s[2], s[3])));
    return out;
  }
}
