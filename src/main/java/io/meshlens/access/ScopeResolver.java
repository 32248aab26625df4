package io.meshlens.access;

import io.meshlens.access.AccessDeniedException.Kind;
import io.meshlens.store.Scope;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Turns an authenticated identity and the optional {@code X-Scope-OrgID} header into the {@link
 * Scope} every store read requires.
 *
 * <p>The header follows the Grafana/Mimir convention: one tenant or several separated by {@code |}.
 * A tenant caller may only name its own tenants (anything else is 403); without the header it gets
 * all of them. An SRE without the header sees everything, and may narrow with the header.
 */
public final class ScopeResolver {

  public static final String SCOPE_HEADER = "X-Scope-OrgID";

  private ScopeResolver() {}

  public static Scope resolve(Identity identity, String orgIdHeader) {
    Set<String> requested = parseHeader(orgIdHeader);
    if (identity.isSre()) {
      return requested.isEmpty() ? Scope.everything() : Scope.tenants(requested);
    }
    if (identity.tenants().isEmpty()) {
      throw new AccessDeniedException(Kind.FORBIDDEN, "no tenant granted to " + identity.subject());
    }
    if (requested.isEmpty()) {
      return Scope.tenants(identity.tenants());
    }
    for (String t : requested) {
      if (!identity.tenants().contains(t)) {
        throw new AccessDeniedException(
            Kind.FORBIDDEN, "tenant '" + t + "' is not granted to " + identity.subject());
      }
    }
    return Scope.tenants(requested);
  }

  private static Set<String> parseHeader(String header) {
    Set<String> out = new LinkedHashSet<>();
    if (header == null) {
      return out;
    }
    for (String part : header.split("\\|", -1)) {
      String t = part.trim();
      if (t.isEmpty()) {
        if (!header.isBlank()) {
          throw new AccessDeniedException(
              Kind.FORBIDDEN, "empty tenant in " + SCOPE_HEADER + " '" + header + "'");
        }
        continue;
      }
      out.add(t);
    }
    return out;
  }
}
