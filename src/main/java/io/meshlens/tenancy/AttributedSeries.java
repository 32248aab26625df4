package io.meshlens.tenancy;

import io.meshlens.model.Labels;
import java.util.Objects;
import java.util.Set;

/**
 * A series after attribution: its final labels (with {@code tenant} and {@code cluster}), the
 * tenant that owns it (the tenant of the proxy that emitted it) and every tenant allowed to see it
 * (for Istio edge metrics: the owner, the source side's tenant and the destination side's tenant).
 */
public record AttributedSeries(
    Labels labels, String tenant, String cluster, Set<String> visibleTo) {

  public AttributedSeries {
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(tenant, "tenant");
    Objects.requireNonNull(cluster, "cluster");
    visibleTo = Set.copyOf(visibleTo);
    if (!visibleTo.contains(tenant)) {
      throw new IllegalArgumentException("the owner must see its own series");
    }
  }
}
