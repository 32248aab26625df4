package io.meshlens.console;

import io.meshlens.access.AccessControl;
import io.meshlens.access.Identity;
import io.meshlens.access.RequestCaller;
import io.meshlens.access.ScopeResolver;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.tenancy.TenantLimits;
import io.meshlens.tenancy.TenantRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What the web console (static files under {@code META-INF/resources/console/}) needs besides the
 * query APIs: {@code GET /api/v1/session} tells the signed-in caller who it is and which tenants it
 * may pick (all of them for an SRE), with each tenant's ingest limits.
 */
@Path("/api/v1/session")
@Produces(MediaType.APPLICATION_JSON)
public class ConsoleResource {

  @Inject AccessControl access;
  @Inject RequestCaller caller;
  @Inject TenantRegistry tenants;

  /**
   * The caller's subject, role and selectable tenants. Goes through access control like every data
   * endpoint (401 without a valid token); {@code X-Scope-OrgID} is checked the same way.
   */
  @GET
  public Map<String, Object> session(
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    access.scope(authorization, orgId);
    Identity identity = caller.identity().orElseThrow();
    TenantDirectory dir = tenants.get();
    TreeSet<String> selectable =
        new TreeSet<>(identity.isSre() ? dir.allTenants() : identity.tenants());
    List<Map<String, Object>> rows =
        selectable.stream().map(t -> tenantRow(t, dir.limitsOf(t))).toList();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("subject", identity.subject());
    data.put("sre", identity.isSre());
    data.put("tenants", rows);
    return Map.of("status", "success", "data", data);
  }

  private static Map<String, Object> tenantRow(String name, TenantLimits l) {
    Map<String, Object> limits = new LinkedHashMap<>();
    putIfSet(limits, "activeSeries", l.activeSeries());
    putIfSet(limits, "samplesPerSecond", l.samplesPerSecond());
    putIfSet(limits, "spansPerSecond", l.spansPerSecond());
    putIfSet(limits, "logBytesPerSecond", l.logBytesPerSecond());
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("name", name);
    row.put("limits", limits);
    return row;
  }

  private static void putIfSet(Map<String, Object> m, String key, Object value) {
    if (value != null) {
      m.put(key, value);
    }
  }
}
