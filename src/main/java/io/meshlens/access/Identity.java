package io.meshlens.access;

import java.util.Objects;
import java.util.Set;

/** An authenticated caller: who it is, which tenants it was granted and its roles. */
public record Identity(String subject, Set<String> tenants, Set<Role> roles) {

  public Identity {
    Objects.requireNonNull(subject, "subject");
    tenants = Set.copyOf(tenants);
    roles = Set.copyOf(roles);
  }

  public boolean isSre() {
    return roles.contains(Role.SRE);
  }
}
