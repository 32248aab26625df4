package io.meshlens.ingest.decode;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The parts of an Envoy node id as Istio sets it: {@code
 * <type>~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>}, e.g. {@code
 * sidecar~10.244.0.25~productpage-v1-6f89b6c557-sg2bc.bookinfo~bookinfo.svc.cluster.local}. Envoy
 * spans carry it as the {@code node_id} attribute and the OpenTelemetry access logger as the {@code
 * node_name} resource attribute; it identifies the emitting proxy when nothing else does.
 *
 * @param type {@code sidecar} or {@code router} (gateways, waypoints)
 * @param ip the proxy's IP address
 * @param pod the pod name
 * @param namespace the pod's namespace
 */
public record NodeId(String type, String ip, String pod, String namespace) {

  public static final NodeId NONE = new NodeId("", "", "", "");

  /** One node id per proxy: memoised, bounded. */
  private static final int CACHE_LIMIT = 16384;

  private static final ConcurrentHashMap<String, NodeId> CACHE = new ConcurrentHashMap<>();

  /** Parses a node id; anything not of the four-part shape gives {@link #NONE}. */
  public static NodeId parse(String nodeId) {
    if (nodeId == null || nodeId.isEmpty()) {
      return NONE;
    }
    NodeId cached = CACHE.get(nodeId);
    if (cached != null) {
      return cached;
    }
    NodeId parsed = doParse(nodeId);
    if (CACHE.size() >= CACHE_LIMIT) {
      CACHE.clear();
    }
    CACHE.put(nodeId, parsed);
    return parsed;
  }

  private static NodeId doParse(String s) {
    String[] parts = s.split("~", -1);
    if (parts.length != 4) {
      return NONE;
    }
    String id = parts[2];
    String domain = parts[3];
    int dot = domain.indexOf('.');
    String namespace = dot > 0 ? domain.substring(0, dot) : "";
    String pod;
    if (!namespace.isEmpty() && id.endsWith("." + namespace)) {
      pod = id.substring(0, id.length() - namespace.length() - 1);
    } else {
      int last = id.lastIndexOf('.');
      pod = last > 0 ? id.substring(0, last) : id;
      if (namespace.isEmpty() && last > 0) {
        namespace = id.substring(last + 1);
      }
    }
    return new NodeId(parts[0], parts[1], pod, namespace);
  }
}
