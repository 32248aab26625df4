package io.meshlens.tenancy;

import io.meshlens.model.Labels;
import java.util.HashSet;
import java.util.Set;

/**
 * Applies the tenancy model to one metric series (DESIGN.md "Tenancy model").
 *
 * <ul>
 *   <li>Cluster: the {@code k8s.cluster.name} resource attribute (label {@code k8s_cluster_name}),
 *       else for Istio edge metrics the reporting side's {@code source_cluster} / {@code
 *       destination_cluster}, else the transport's hint (Kafka header or topic pattern), else
 *       {@code unknown}.
 *   <li>Owner: the tenant of the emitting proxy's namespace ({@code k8s_namespace_name}, else
 *       {@code namespace} as cAdvisor and kube-state-metrics name it, else the reporting side of an
 *       Istio edge).
 *   <li>Visibility: the owner; for Istio edge metrics also the source side's and the destination
 *       side's tenant, so a call between two tenants is visible to both, and a gateway in a
 *       platform namespace is visible to the tenant it routes to.
 * </ul>
 *
 * The result carries {@code cluster} and {@code tenant} labels; a label of that name already on the
 * data is kept as {@code exported_cluster} / {@code exported_tenant} when it differs, as Prometheus
 * does with target labels.
 */
public final class MetricAttributor {

  public static final String TENANT_LABEL = "tenant";
  public static final String CLUSTER_LABEL = "cluster";
  public static final String UNKNOWN_CLUSTER = "unknown";

  static final String RESOURCE_CLUSTER = "k8s_cluster_name";
  static final String RESOURCE_NAMESPACE = "k8s_namespace_name";

  private final TenantDirectory directory;

  public MetricAttributor(TenantDirectory directory) {
    this.directory = directory;
  }

  /**
   * @param clusterHint the cluster named by the transport (Kafka header, topic), or null
   */
  public AttributedSeries attribute(Labels in, String clusterHint) {
    String reporter = in.get("reporter");
    boolean edge =
        reporter != null
            && (in.get("source_workload_namespace") != null
                || in.get("destination_service_namespace") != null);
    boolean sourceSide = "source".equals(reporter);

    String cluster = in.get(RESOURCE_CLUSTER);
    if (cluster == null && edge) {
      cluster = in.get(sourceSide ? "source_cluster" : "destination_cluster");
    }
    if (cluster == null || cluster.equals("unknown")) {
      cluster = clusterHint;
    }
    if (cluster == null) {
      cluster = UNKNOWN_CLUSTER;
    }

    String sourceNs = edge ? known(in.get("source_workload_namespace")) : null;
    String destNs = null;
    if (edge) {
      destNs = known(in.get("destination_workload_namespace"));
      if (destNs == null) {
        destNs = known(in.get("destination_service_namespace"));
      }
    }
    String namespace = in.get(RESOURCE_NAMESPACE);
    if (namespace == null) {
      namespace = in.get("namespace");
    }
    if (namespace == null && edge) {
      namespace = sourceSide ? sourceNs : destNs;
    }

    String owner = directory.tenantOf(namespace, cluster);
    Set<String> visible = new HashSet<>(4);
    visible.add(owner);
    if (edge) {
      if (sourceNs != null) {
        visible.add(directory.tenantOf(sourceNs, sideCluster(in, "source_cluster", cluster)));
      }
      if (destNs != null) {
        visible.add(directory.tenantOf(destNs, sideCluster(in, "destination_cluster", cluster)));
      }
    }

    Labels.Builder b = in.toBuilder().remove(RESOURCE_CLUSTER);
    relabel(b, CLUSTER_LABEL, cluster);
    relabel(b, TENANT_LABEL, owner);
    return new AttributedSeries(b.build(), owner, cluster, visible);
  }

  private static String sideCluster(Labels in, String label, String fallback) {
    String c = known(in.get(label));
    return c == null ? fallback : c;
  }

  private static String known(String v) {
    return v == null || v.equals("unknown") ? null : v;
  }

  private static void relabel(Labels.Builder b, String name, String value) {
    String existing = b.get(name);
    if (existing != null && !existing.equals(value)) {
      b.put("exported_" + name, existing);
    }
    b.put(name, value);
  }
}
