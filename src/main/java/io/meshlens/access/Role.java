package io.meshlens.access;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Locale;

/** What a caller may see: its own tenants, or the whole mesh. */
public enum Role {
  /** Sees the tenants it is granted, nothing else. */
  TENANT,
  /** Sees every tenant, {@code platform}, {@code unassigned} and the mesh-wide views. */
  SRE;

  @JsonCreator
  public static Role parse(String s) {
    for (Role r : values()) {
      if (r.name().toLowerCase(Locale.ROOT).equals(s)) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role '" + s + "' (known: tenant, sre)");
  }
}
