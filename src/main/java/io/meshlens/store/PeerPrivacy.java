package io.meshlens.store;

import io.meshlens.model.Labels;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Peer privacy for metrics (DESIGN.md, "Tenancy model"): a series that a scope sees only because it
 * is on an edge with one of its tenants, but that another tenant's proxy reported, keeps the peer's
 * tenant, namespace, service and cluster but not its workload, pod, version, principal or address.
 * Those values are replaced by stable pseudonyms ({@code redacted-<12 hex>}, a keyed hash of the
 * value) so that series stay distinct and groupings stay consistent, while the names cannot be read
 * or guessed: a matcher on the real value does not match, one on the pseudonym does.
 *
 * <p>Which side is the peer's follows the {@code reporter} label: a destination-reported series
 * describes the destination's workload, a source-reported one the source's. The owning tenant is
 * the {@code tenant} label.
 */
public final class PeerPrivacy {

  /** Labels that name a pod or an address, whatever the side. */
  private static final Set<String> POD_LABELS =
      Set.of(
          "k8s_pod_name",
          "k8s_pod_uid",
          "k8s_pod_ip",
          "pod",
          "pod_name",
          "instance",
          "service_instance_id",
          "host_name",
          "net_host_name",
          "net_sock_peer_addr",
          "server_address",
          "client_address");

  private static final Set<String> SOURCE_LABELS =
      Set.of("source_workload", "source_version", "source_principal", "source_canonical_revision");

  private static final Set<String> DESTINATION_LABELS =
      Set.of(
          "destination_workload",
          "destination_version",
          "destination_principal",
          "destination_canonical_revision");

  /** Every label name this may rewrite. */
  static final Set<String> REDACTABLE;

  static {
    java.util.HashSet<String> all = new java.util.HashSet<>(POD_LABELS);
    all.addAll(SOURCE_LABELS);
    all.addAll(DESTINATION_LABELS);
    REDACTABLE = Set.copyOf(all);
  }

  /** No rewriting at all (a deployment that turned peer privacy off). */
  public static final PeerPrivacy OFF = new PeerPrivacy(null);

  private final byte[] key;
  private final Map<String, String> pseudonyms = new ConcurrentHashMap<>();

  private PeerPrivacy(byte[] key) {
    this.key = key;
  }

  /** Peer privacy with pseudonyms keyed by {@code key} (keep it stable across restarts). */
  public static PeerPrivacy withKey(byte[] key) {
    if (key == null || key.length < 16) {
      throw new IllegalArgumentException("peer privacy needs a key of at least 16 bytes");
    }
    return new PeerPrivacy(key.clone());
  }

  /** Peer privacy with a random key: pseudonyms change with every process. */
  public static PeerPrivacy withRandomKey() {
    byte[] k = new byte[32];
    new SecureRandom().nextBytes(k);
    return new PeerPrivacy(k);
  }

  public boolean enabled() {
    return key != null;
  }

  /** Whether {@code scope} sees the series only as a peer of its owner. */
  boolean isPeerView(Labels labels, Scope scope) {
    if (key == null || scope.isEverything()) {
      return false;
    }
    String owner = labels.get("tenant");
    return owner != null && !scope.allows(owner);
  }

  /** The labels as a peer sees them. */
  Labels redact(Labels labels) {
    String reporter = labels.get("reporter");
    Set<String> side =
        "destination".equals(reporter)
            ? DESTINATION_LABELS
            : "source".equals(reporter) ? SOURCE_LABELS : Set.of();
    Labels.Builder b = null;
    for (int i = 0; i < labels.size(); i++) {
      String name = labels.name(i);
      if (POD_LABELS.contains(name) || side.contains(name)) {
        String value = labels.value(i);
        if (value.isEmpty() || value.equals("unknown")) {
          continue;
        }
        if (b == null) {
          b = labels.toBuilder();
        }
        b.put(name, pseudonym(name, value));
      }
    }
    return b == null ? labels : b.build();
  }

  private String pseudonym(String name, String value) {
    String cacheKey = name + '\u0000' + value;
    String known = pseudonyms.get(cacheKey);
    if (known != null) {
      return known;
    }
    if (pseudonyms.size() > 1_000_000) {
      pseudonyms.clear();
    }
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] h = mac.doFinal(cacheKey.getBytes(StandardCharsets.UTF_8));
      String p = "redacted-" + HexFormat.of().formatHex(h, 0, 6);
      pseudonyms.put(cacheKey, p);
      return p;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
