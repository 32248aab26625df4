package io.meshlens.ingest.decode;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An Envoy upstream cluster name as Istio builds it, with the destination it names.
 *
 * <p>Istio's cluster names are {@code outbound|<port>|<subset>|<host>} on the calling side, {@code
 * inbound|<port>|<port name>|<host>} (host empty since Istio 1.10) on the destination's sidecar,
 * and {@code inbound-vip|<port>|<protocol>[/<subset>]|<host>} on an ambient waypoint. A host of the
 * form {@code <service>.<namespace>.svc.<domain>} gives the destination service and namespace,
 * which tenant attribution needs for gateway and cross-tenant traffic; any other host (a
 * ServiceEntry, {@code *.example.com}) is the service name itself with no namespace. The
 * passthrough and black-hole clusters carry only a direction. A trailing {@code ;} (written by some
 * Istio versions) is ignored.
 *
 * @param name the cluster name as logged ({@code ""} when absent)
 * @param direction from the prefix
 * @param port the service port, 0 when not in the name
 * @param subset the DestinationRule subset, {@code ""} when none
 * @param host the destination host, {@code ""} when not in the name
 * @param service the destination service: the first label of a Kubernetes service host, else the
 *     whole host
 * @param namespace the destination namespace of a Kubernetes service host, else {@code ""}
 */
public record UpstreamCluster(
    String name,
    Direction direction,
    int port,
    String subset,
    String host,
    String service,
    String namespace) {

  /** No upstream cluster ({@code "-"}, {@code null} or missing). */
  public static final UpstreamCluster NONE =
      new UpstreamCluster("", Direction.UNKNOWN, 0, "", "", "", "");

  /** Distinct cluster names are few (services x ports x subsets), so parses are memoised. */
  private static final int CACHE_LIMIT = 8192;

  private static final ConcurrentHashMap<String, UpstreamCluster> CACHE = new ConcurrentHashMap<>();

  public UpstreamCluster {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(direction, "direction");
    Objects.requireNonNull(subset, "subset");
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(namespace, "namespace");
  }

  /** Parses a cluster name; never fails: unknown shapes keep only the name. */
  public static UpstreamCluster parse(String name) {
    if (name == null || name.isEmpty() || name.equals("-")) {
      return NONE;
    }
    UpstreamCluster cached = CACHE.get(name);
    if (cached != null) {
      return cached;
    }
    UpstreamCluster parsed = doParse(name);
    if (CACHE.size() >= CACHE_LIMIT) {
      // Unbounded cluster names (original-destination IPs) must not grow the cache forever.
      CACHE.clear();
    }
    CACHE.put(name, parsed);
    return parsed;
  }

  /**
   * The destination named by a host alone ({@code reviews.default.svc.cluster.local} or a
   * ServiceEntry host), e.g. ztunnel's {@code dst.service}.
   */
  public static UpstreamCluster ofHost(String host, Direction direction, int port) {
    String h = host == null || host.equals("-") ? "" : host;
    return new UpstreamCluster("", direction, port, "", h, serviceOf(h), namespaceOf(h));
  }

  private static UpstreamCluster doParse(String raw) {
    String s = raw.endsWith(";") ? raw.substring(0, raw.length() - 1) : raw;
    String[] parts = s.split("\\|", -1);
    if (parts.length >= 2) {
      switch (parts[0]) {
        case "outbound":
          return withHost(
              raw, Direction.OUTBOUND, parts[1], parts.length >= 4 ? parts[2] : "", last(parts, 4));
        case "inbound":
          // The third part is the port name (before Istio 1.10), not a subset.
          return withHost(raw, Direction.INBOUND, parts[1], "", last(parts, 4));
        case "inbound-vip":
          if (parts.length >= 4) {
            String proto = parts[2];
            int slash = proto.indexOf('/');
            return withHost(
                raw,
                Direction.INBOUND,
                parts[1],
                slash < 0 ? "" : proto.substring(slash + 1),
                parts[3]);
          }
          return withHost(raw, Direction.INBOUND, "", "", parts[parts.length - 1]);
        default:
          break;
      }
    }
    if (s.startsWith("InboundPassthroughCluster")) {
      return new UpstreamCluster(raw, Direction.INBOUND, 0, "", "", "", "");
    }
    if (s.equals("PassthroughCluster") || s.equals("BlackHoleCluster")) {
      return new UpstreamCluster(raw, Direction.OUTBOUND, 0, "", "", "", "");
    }
    return new UpstreamCluster(raw, Direction.UNKNOWN, 0, "", "", "", "");
  }

  private static String last(String[] parts, int n) {
    return parts.length >= n ? parts[n - 1] : "";
  }

  private static UpstreamCluster withHost(
      String raw, Direction direction, String port, String subset, String host) {
    return new UpstreamCluster(
        raw, direction, parsePort(port), subset, host, serviceOf(host), namespaceOf(host));
  }

  /** A port number, or 0 when {@code s} is not one. */
  public static int parsePort(String s) {
    if (s.isEmpty() || s.length() > 5) {
      return 0;
    }
    int v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return 0;
      }
      v = v * 10 + (c - '0');
    }
    return v <= 65535 ? v : 0;
  }

  private static String serviceOf(String host) {
    if (isServiceHost(host)) {
      return host.substring(0, host.indexOf('.'));
    }
    return host;
  }

  private static String namespaceOf(String host) {
    if (isServiceHost(host)) {
      int a = host.indexOf('.');
      return host.substring(a + 1, host.indexOf('.', a + 1));
    }
    return "";
  }

  /** {@code <service>.<namespace>.svc[.<domain>]}. */
  private static boolean isServiceHost(String host) {
    int a = host.indexOf('.');
    if (a <= 0) {
      return false;
    }
    int b = host.indexOf('.', a + 1);
    if (b <= a + 1) {
      return false;
    }
    return host.startsWith("svc", b + 1) && (host.length() == b + 4 || host.charAt(b + 4) == '.');
  }
}
