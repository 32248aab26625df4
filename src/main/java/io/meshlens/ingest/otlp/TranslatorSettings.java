package io.meshlens.ingest.otlp;

import java.util.List;

/**
 * How {@link OtlpMetricsTranslator} maps OTLP to Prometheus series, kept small on purpose: every
 * other rule is fixed to what Prometheus' OTLP receiver does by default.
 *
 * @param promotedResourceAttributes resource attributes copied onto every series of the resource as
 *     labels (sanitized names, e.g. {@code k8s.pod.name} becomes {@code k8s_pod_name}), like
 *     Prometheus' {@code otlp.promote_resource_attributes}. Meshlens promotes the Kubernetes
 *     attributes by default because tenancy and the cluster views are keyed on them.
 */
public record TranslatorSettings(List<String> promotedResourceAttributes) {

  /** The Kubernetes resource attributes that Meshlens promotes unless configured otherwise. */
  public static final List<String> DEFAULT_PROMOTED_RESOURCE_ATTRIBUTES =
      List.of(
          "k8s.namespace.name",
          "k8s.pod.name",
          "k8s.container.name",
          "k8s.node.name",
          "k8s.deployment.name",
          "k8s.cluster.name");

  public TranslatorSettings {
    promotedResourceAttributes = List.copyOf(promotedResourceAttributes);
    for (String name : promotedResourceAttributes) {
      if (PrometheusNaming.labelName(name) == null) {
        throw new IllegalArgumentException(
            "promoted resource attribute \"" + name + "\" cannot become a label name");
      }
    }
  }

  public static TranslatorSettings defaults() {
    return new TranslatorSettings(DEFAULT_PROMOTED_RESOURCE_ATTRIBUTES);
  }
}
