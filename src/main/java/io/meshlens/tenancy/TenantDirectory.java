package io.meshlens.tenancy;

import io.meshlens.config.ConfigFileException;
import io.meshlens.config.YamlFiles;
import io.meshlens.tenancy.TenantsConfig.TenantSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An immutable, validated view of the tenants file that answers "which tenant owns namespace N in
 * cluster C?".
 *
 * <p>Rules are ordered most specific first: a rule naming the cluster beats a cluster pattern,
 * which beats {@code *}; then an exact namespace beats a pattern, and a pattern with more literal
 * characters beats a looser one. So {@code payments} everywhere, but {@code payments} in {@code
 * west-1} may belong to someone else (namespace sameness with a cluster-scoped override). Names no
 * rule matches belong to {@link TenantsConfig#UNASSIGNED}.
 *
 * <p>Answers are memoised: there are few distinct (namespace, cluster) pairs and the ingest path
 * asks for every record.
 */
public final class TenantDirectory {

  private record Rule(String tenant, Glob namespace, Glob cluster, int line) {}

  private static final Comparator<Rule> MOST_SPECIFIC_FIRST =
      Comparator.<Rule>comparingInt(r -> r.cluster.specificity())
          .thenComparingInt(r -> r.cluster.literalChars())
          .thenComparingInt(r -> r.namespace.specificity())
          .thenComparingInt(r -> r.namespace.literalChars())
          .reversed();

  private final TenantsConfig config;
  private final List<Rule> rules;
  private final Map<String, TenantSpec> tenantsByName;
  private final Set<String> allTenants;
  private final Map<String, String> memo = new ConcurrentHashMap<>();

  private TenantDirectory(TenantsConfig config, List<Rule> rules) {
    this.config = config;
    this.rules = rules;
    Map<String, TenantSpec> byName = new LinkedHashMap<>();
    config.tenants().forEach(t -> byName.put(t.name(), t));
    this.tenantsByName = Collections.unmodifiableMap(byName);
    Set<String> all = new TreeSet<>(byName.keySet());
    all.add(TenantsConfig.PLATFORM);
    all.add(TenantsConfig.UNASSIGNED);
    this.allTenants = Collections.unmodifiableSet(all);
  }

  /** Reads and validates a tenants file. */
  public static TenantDirectory load(Path file) {
    return of(YamlFiles.read(file, TenantsConfig.class), file);
  }

  /**
   * Validates a parsed config: unique names, peers that exist, no two tenants claiming the same
   * namespace with the same cluster scope.
   *
   * @param file named in error messages
   */
  public static TenantDirectory of(TenantsConfig config, Path file) {
    Map<String, TenantSpec> seen = new HashMap<>();
    for (TenantSpec t : config.tenants()) {
      TenantSpec before = seen.putIfAbsent(t.name(), t);
      if (before != null) {
        throw new ConfigFileException(
            file,
            t.line(),
            "tenant '" + t.name() + "' is already defined at line " + before.line());
      }
    }
    for (TenantSpec t : config.tenants()) {
      for (String peer : t.allowedPeers()) {
        if (!seen.containsKey(peer) && !peer.equals(TenantsConfig.PLATFORM)) {
          throw new ConfigFileException(
              file, t.line(), "tenant '" + t.name() + "' lists unknown allowedPeer '" + peer + "'");
        }
      }
    }
    List<Rule> rules = new ArrayList<>();
    Map<String, Rule> claims = new HashMap<>();
    for (TenantSpec t : config.tenants()) {
      for (String cluster : t.clusters()) {
        for (String ns : t.namespaces()) {
          Rule r = new Rule(t.name(), Glob.of(ns), Glob.of(cluster), t.line());
          Rule other = claims.putIfAbsent(cluster + "\u0000" + ns, r);
          if (other != null && !other.tenant.equals(t.name())) {
            throw new ConfigFileException(
                file,
                t.line(),
                "namespace '"
                    + ns
                    + "' in clusters '"
                    + cluster
                    + "' is claimed by tenants '"
                    + other.tenant
                    + "' (line "
                    + other.line
                    + ") and '"
                    + t.name()
                    + "'");
          }
          rules.add(r);
        }
      }
    }
    for (String ns : config.platform().namespaces()) {
      Rule other = claims.get("*\u0000" + ns);
      if (other != null) {
        throw new ConfigFileException(
            file,
            other.line,
            "namespace '"
                + ns
                + "' is a platform namespace and cannot belong to tenant '"
                + other.tenant
                + "'");
      }
      rules.add(new Rule(TenantsConfig.PLATFORM, Glob.of(ns), Glob.of("*"), 0));
    }
    // Stable sort: among equally specific rules the one written first wins.
    rules.sort(MOST_SPECIFIC_FIRST);
    return new TenantDirectory(config, List.copyOf(rules));
  }

  /**
   * The tenant owning {@code namespace} in {@code cluster}: a configured tenant, {@code platform}
   * or {@code unassigned}. A missing namespace is {@code unassigned}.
   */
  public String tenantOf(String namespace, String cluster) {
    if (namespace == null || namespace.isEmpty()) {
      return TenantsConfig.UNASSIGNED;
    }
    String c = cluster == null ? "" : cluster;
    return memo.computeIfAbsent(namespace + '\u0000' + c, k -> resolve(namespace, c));
  }

  private String resolve(String namespace, String cluster) {
    for (Rule r : rules) {
      if (r.cluster.matches(cluster) && r.namespace.matches(namespace)) {
        return r.tenant;
      }
    }
    return TenantsConfig.UNASSIGNED;
  }

  /** Configured tenants plus {@code platform} and {@code unassigned}, sorted. */
  public Set<String> allTenants() {
    return allTenants;
  }

  /** Whether {@code name} is a configured or reserved tenant. */
  public boolean exists(String name) {
    return allTenants.contains(name);
  }

  /** Whether calls from {@code a} to {@code b} (either direction) are declared expected. */
  public boolean allowedPeers(String a, String b) {
    if (a.equals(b)) {
      return true;
    }
    TenantSpec ta = tenantsByName.get(a);
    TenantSpec tb = tenantsByName.get(b);
    return (ta != null && ta.allowedPeers().contains(b))
        || (tb != null && tb.allowedPeers().contains(a));
  }

  /**
   * The ingest limits of {@code tenant}: its own where it sets them, else the file's defaults.
   * {@code platform}, {@code unassigned} and unknown names get the defaults.
   */
  public TenantLimits limitsOf(String tenant) {
    TenantSpec t = tenantsByName.get(tenant);
    TenantLimits defaults = config.limits();
    return t == null ? defaults : t.limits().over(defaults);
  }

  /** Tenants that set a retention of their own, by name. */
  public Map<String, TenantRetention> retentionOverrides() {
    Map<String, TenantRetention> out = new LinkedHashMap<>();
    tenantsByName.forEach(
        (name, t) -> {
          if (!t.retention().equals(TenantRetention.NONE)) {
            out.put(name, t.retention());
          }
        });
    return out;
  }

  public TenantsConfig config() {
    return config;
  }
}
