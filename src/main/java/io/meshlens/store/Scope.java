package io.meshlens.store;

import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which tenants' data a read may see. Every store read takes one; there is no read without it.
 *
 * <p>A scope is built by the access layer from an authenticated identity (and the optional {@code
 * X-Scope-OrgID} header). {@link #everything()} is the explicit SRE scope: all tenants, including
 * {@code platform} and {@code unassigned}.
 */
public final class Scope {

  private static final Scope EVERYTHING = new Scope(null);

  /** null means every tenant. */
  private final Set<String> tenants;

  private Scope(Set<String> tenants) {
    this.tenants = tenants;
  }

  /** A scope limited to the given tenants; must not be empty. */
  public static Scope tenants(Set<String> tenants) {
    Objects.requireNonNull(tenants, "tenants");
    if (tenants.isEmpty()) {
      throw new IllegalArgumentException("a scope needs at least one tenant");
    }
    return new Scope(Set.copyOf(new TreeSet<>(tenants)));
  }

  /** The SRE scope: every tenant, {@code platform} and {@code unassigned}. */
  public static Scope everything() {
    return EVERYTHING;
  }

  public boolean isEverything() {
    return tenants == null;
  }

  /** The tenants of a limited scope; empty for {@link #everything()}. */
  public Set<String> tenantSet() {
    return tenants == null ? Set.of() : tenants;
  }

  public boolean allows(String tenant) {
    return tenants == null || tenants.contains(tenant);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Scope s && Objects.equals(tenants, s.tenants);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(tenants);
  }

  @Override
  public String toString() {
    return tenants == null ? "Scope[everything]" : "Scope" + new TreeSet<>(tenants);
  }
}
