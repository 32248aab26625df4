package io.meshlens.tenancy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.meshlens.config.LocatedConfigError;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The tenants file ({@code meshlens.tenants-file}): which namespaces, in which clusters, belong to
 * which tenant, and which cross-tenant calls are expected.
 *
 * <pre>{@code
 * tenants:
 *   - name: payments
 *     namespaces: [payments, "payments-*"]
 *     clusters: ["*"]          # optional, default all clusters
 *     allowedPeers: [shop]     # optional
 *     limits: {activeSeries: 50000}   # optional, see TenantLimits
 *     retention: {spans: 1d}          # optional, see TenantRetention
 * platform:
 *   namespaces: [istio-system, istio-gateways, kube-system]
 * limits:                    # optional defaults for every tenant
 *   samplesPerSecond: 100000
 * }</pre>
 */
public record TenantsConfig(List<TenantSpec> tenants, PlatformSpec platform, TenantLimits limits) {

  /** Reserved tenant of the control plane and shared gateways; visible to SREs only. */
  public static final String PLATFORM = "platform";

  /** Reserved tenant of namespaces no rule matches; visible to SREs only. */
  public static final String UNASSIGNED = "unassigned";

  static final Pattern TENANT_NAME = Pattern.compile("[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?");
  static final Pattern NAME_PATTERN = Pattern.compile("[-a-z0-9.*?_]{1,253}");

  @JsonCreator
  public TenantsConfig(
      @JsonProperty("tenants") List<TenantSpec> tenants,
      @JsonProperty("platform") PlatformSpec platform,
      @JsonProperty("limits") TenantLimits limits) {
    this.tenants = tenants == null ? List.of() : List.copyOf(tenants);
    this.platform = platform == null ? new PlatformSpec(List.of()) : platform;
    this.limits = limits == null ? TenantLimits.NONE : limits;
  }

  public TenantsConfig(List<TenantSpec> tenants, PlatformSpec platform) {
    this(tenants, platform, null);
  }

  /** The namespaces of the reserved {@code platform} tenant, in every cluster. */
  public record PlatformSpec(List<String> namespaces) {
    @JsonCreator
    public PlatformSpec(@JsonProperty("namespaces") List<String> namespaces) {
      this.namespaces = namespaces == null ? List.of() : List.copyOf(namespaces);
      this.namespaces.forEach(n -> checkPattern("platform namespace", n));
    }
  }

  /** One tenant. {@code line} is where it starts in the file, for error messages about it. */
  @JsonDeserialize(using = TenantSpec.Reader.class)
  public record TenantSpec(
      String name,
      List<String> namespaces,
      List<String> clusters,
      List<String> allowedPeers,
      TenantLimits limits,
      TenantRetention retention,
      int line) {

    public TenantSpec {
      if (name == null || name.isBlank()) {
        throw new IllegalArgumentException("tenant without a name");
      }
      if (!TENANT_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            "tenant name '" + name + "' must be lower-case letters, digits, '-', '_' or '.'");
      }
      if (name.equals(PLATFORM) || name.equals(UNASSIGNED)) {
        throw new IllegalArgumentException("tenant name '" + name + "' is reserved");
      }
      if (namespaces == null || namespaces.isEmpty()) {
        throw new IllegalArgumentException("tenant '" + name + "' has no namespaces");
      }
      namespaces = List.copyOf(namespaces);
      namespaces.forEach(n -> checkPattern("namespace of tenant '" + name + "'", n));
      clusters = clusters == null || clusters.isEmpty() ? List.of("*") : List.copyOf(clusters);
      clusters.forEach(c -> checkPattern("cluster of tenant '" + name + "'", c));
      allowedPeers = allowedPeers == null ? List.of() : List.copyOf(allowedPeers);
      limits = limits == null ? TenantLimits.NONE : limits;
      retention = retention == null ? TenantRetention.NONE : retention;
    }

    public TenantSpec(
        String name,
        List<String> namespaces,
        List<String> clusters,
        List<String> allowedPeers,
        int line) {
      this(name, namespaces, clusters, allowedPeers, null, null, line);
    }

    /** Reads a tenant entry and remembers the line it starts on. */
    static final class Reader extends JsonDeserializer<TenantSpec> {
      @Override
      public TenantSpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        Raw raw = ctxt.readValue(p, Raw.class);
        try {
          return new TenantSpec(
              raw.name,
              raw.namespaces,
              raw.clusters,
              raw.allowedPeers,
              raw.limits,
              raw.retention,
              line);
        } catch (IllegalArgumentException e) {
          throw new LocatedConfigError(line, e.getMessage());
        }
      }
    }

    record Raw(
        @JsonProperty("name") String name,
        @JsonProperty("namespaces") List<String> namespaces,
        @JsonProperty("clusters") List<String> clusters,
        @JsonProperty("allowedPeers") List<String> allowedPeers,
        @JsonProperty("limits") TenantLimits limits,
        @JsonProperty("retention") TenantRetention retention) {}
  }

  static void checkPattern(String what, String value) {
    if (value == null || !NAME_PATTERN.matcher(value).matches()) {
      throw new IllegalArgumentException(
          what + " '" + value + "' is not a name or a pattern of [-a-z0-9.*?_]");
    }
  }
}
