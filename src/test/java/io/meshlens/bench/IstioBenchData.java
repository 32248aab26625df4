package io.meshlens.bench;

import io.meshlens.model.Labels;
import io.meshlens.tenancy.AttributedSeries;
import java.util.Set;

/**
 * Deterministic Istio-shaped series for query benchmarks: series {@code i} always has the same
 * labels and its value at scrape {@code k} is a closed-form function of {@code (i, k)}, so the same
 * data can be written to several stores in any order (series first or time first).
 *
 * <p>Series come in units of {@value #UNIT} per edge: {@code istio_requests_total}, 20 buckets of
 * {@code istio_request_duration_milliseconds_bucket} (Istio's default bounds and {@code +Inf}), its
 * {@code _sum} and {@code _count}, and {@code istio_tcp_sent_bytes_total} / {@code
 * istio_tcp_received_bytes_total} of the same workload pair (for response code 200; the other
 * codes' units carry {@code istio_request_bytes_sum} / {@code istio_response_bytes_sum} instead).
 * Edges vary fastest by reporter (2), response code (4), reporting cluster (3), tenant ({@value
 * #TENANTS}, one namespace each), destination service (10 per tenant), source workload (8 per
 * tenant), then by pod, so any prefix of the series holds every reporter, code, cluster and tenant.
 * Labels are Istio's standard set ({@code MeshSimulator.istioLabels}) plus the promoted Kubernetes
 * resource labels and Meshlens' {@code tenant} and {@code cluster}.
 */
public final class IstioBenchData {

  public static final int UNIT = 25;
  static final int TENANTS = 20;
  static final String[] CLUSTERS = {"east-1", "east-2", "west-1"};
  static final String[] CODES = {"200", "201", "404", "503"};
  private static final double[] CODE_SHARE = {1.0, 0.2, 0.05, 0.02};
  static final double[] BOUNDS = {
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000,
    1800000, 3600000
  };
  private static final String[] LE = new String[BOUNDS.length + 1];

  static {
    for (int j = 0; j < BOUNDS.length; j++) {
      double b = BOUNDS[j];
      LE[j] = b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
    }
    LE[BOUNDS.length] = "+Inf";
  }

  private IstioBenchData() {}

  /** Tenant {@code t}'s name. */
  static String tenant(int t) {
    return String.format("tenant-%02d", t);
  }

  /** The labels, owner and visibility of series {@code i}. */
  public static AttributedSeries series(int i) {
    int kind = i % UNIT;
    int e = i / UNIT;
    boolean source = e % 2 == 0;
    int r = e / 2;
    int code = r % CODES.length;
    r /= CODES.length;
    int cluster = r % CLUSTERS.length;
    r /= CLUSTERS.length;
    int t = r % TENANTS;
    r /= TENANTS;
    int svc = r % 10;
    r /= 10;
    int client = r % 8;
    int pod = r / 8;
    String tenant = tenant(t);
    String ns = tenant;
    String src = "client-" + client;
    String dst = "svc-" + svc;
    // A third of the services run in the next cluster: those calls cross clusters.
    String srcCluster = CLUSTERS[cluster];
    String dstCluster = CLUSTERS[svc % 3 == 0 ? (cluster + 1) % 3 : cluster];
    String reporterCluster = source ? srcCluster : dstCluster;
    // TCP series have no response code: only the first code's edges carry them; the others
    // carry the request and response size sums of the same HTTP edge instead.
    boolean tcp = kind >= 23 && code == 0;
    boolean mtls = (t + svc) % 5 != 0; // a fifth of the pairs call without mTLS
    String metric;
    String le = null;
    if (kind == 0) {
      metric = "istio_requests_total";
    } else if (kind <= 20) {
      metric = "istio_request_duration_milliseconds_bucket";
      le = LE[kind - 1];
    } else if (kind == 21) {
      metric = "istio_request_duration_milliseconds_sum";
    } else if (kind == 22) {
      metric = "istio_request_duration_milliseconds_count";
    } else if (kind == 23) {
      metric = tcp ? "istio_tcp_sent_bytes_total" : "istio_request_bytes_sum";
    } else {
      metric = tcp ? "istio_tcp_received_bytes_total" : "istio_response_bytes_sum";
    }
    String podName =
        (source ? src : dst)
            + "-"
            + (source ? "v1" : "v2")
            + "-7d9c7bdd6-"
            + base36(pod * 7919 + t);
    Labels.Builder b =
        Labels.builder()
            .put("__name__", metric)
            .put("reporter", source ? "source" : "destination")
            .put("source_workload", src + "-v1")
            .put("source_canonical_service", src)
            .put("source_canonical_revision", "v1")
            .put("source_workload_namespace", ns)
            .put(
                "source_principal",
                mtls ? "spiffe://cluster.local/ns/" + ns + "/sa/" + src : "unknown")
            .put("source_app", src)
            .put("source_version", "v1")
            .put("source_cluster", srcCluster)
            .put("destination_workload", dst + "-v2")
            .put("destination_workload_namespace", ns)
            .put(
                "destination_principal",
                mtls ? "spiffe://cluster.local/ns/" + ns + "/sa/" + dst : "unknown")
            .put("destination_app", dst)
            .put("destination_version", "v2")
            .put("destination_service", dst + "." + ns + ".svc.cluster.local")
            .put("destination_canonical_service", dst)
            .put("destination_canonical_revision", "v2")
            .put("destination_service_name", dst)
            .put("destination_service_namespace", ns)
            .put("destination_cluster", dstCluster)
            .put("request_protocol", tcp ? "tcp" : "http")
            .put("response_flags", "-")
            .put("connection_security_policy", mtls ? "mutual_tls" : "none")
            .put("k8s_namespace_name", ns)
            .put("k8s_pod_name", podName)
            .put("job", "istio-proxy")
            .put("instance", podName + ":15090")
            .put("tenant", tenant)
            .put("cluster", reporterCluster);
    if (!tcp) {
      b.put("response_code", CODES[code]);
    }
    if (le != null) {
      b.put("le", le);
    }
    return new AttributedSeries(b.build(), tenant, reporterCluster, Set.of(tenant));
  }

  private static String base36(int n) {
    String s = Integer.toString(n, 36);
    return "00000".substring(Math.min(5, s.length())) + s;
  }

  /**
   * The value of series {@code i} at scrape {@code k} ({@code intervalSeconds} apart): counters
   * grow by 0.7-1.3 times their rate per interval, never reset; histogram buckets are the request
   * count times an exponential latency distribution's CDF at the bound (mean per service).
   */
  public static double value(int i, long k, int intervalSeconds) {
    int kind = i % UNIT;
    int e = i / UNIT;
    int code = e / 2 % CODES.length;
    double edgeRate = (0.5 + mix(e) * 10) * CODE_SHARE[code]; // requests per second
    double progress = k + 0.3 * mix(((long) e << 32) ^ k); // monotone in k
    double requests = Math.floor(edgeRate * intervalSeconds * progress);
    int svc = e / 2 / CODES.length / CLUSTERS.length / TENANTS % 10;
    double meanMs = 5 + 40 * svc + (code == 3 ? 200 : 0);
    if (kind == 0 || kind == 22 || kind == 20) {
      return requests;
    }
    if (kind <= 19) {
      return Math.floor(requests * (1 - Math.exp(-BOUNDS[kind - 1] / meanMs)));
    }
    if (kind == 21) {
      return requests * meanMs;
    }
    double bytesRate = 1_000 + mix(e * 31L + kind) * 100_000;
    return Math.floor(bytesRate * intervalSeconds * (k + 0.3 * mix(((long) i << 32) ^ k)));
  }

  /** A deterministic number in [0, 1) from {@code x} (SplitMix64's finalizer). */
  static double mix(long x) {
    long z = x + 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }
}
