package io.meshlens.views;

import io.meshlens.api.ApiError;
import java.util.Locale;

/** How the usage view groups pods: by tenant, then cluster, namespace and workload. */
enum UsageGroupBy {
  TENANT,
  CLUSTER,
  NAMESPACE,
  WORKLOAD;

  static UsageGroupBy parse(String s) {
    if (s == null || s.isEmpty()) {
      return TENANT;
    }
    try {
      return valueOf(s.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ApiError.badData(
          "invalid parameter \"groupBy\": \""
              + s
              + "\" is not one of tenant, cluster, namespace, workload");
    }
  }

  String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
