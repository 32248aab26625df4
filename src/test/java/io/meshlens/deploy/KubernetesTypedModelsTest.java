package io.meshlens.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Kubernetes object under kubernetes/ parses into fabric8's typed Kubernetes model for its
 * apiVersion and kind, strictly: a field the API does not know (a typo such as {@code
 * spec.replica}) fails with the file and the field's path, instead of being kept aside as an
 * "additional property" and silently dropped by the API server.
 */
class KubernetesTypedModelsTest {

  private static final Path ROOT = Path.of("kubernetes");

  /** apiVersion/kind of the objects checked, and their typed model. */
  private static final Map<String, Class<? extends HasMetadata>> TYPED =
      Map.ofEntries(
          Map.entry("v1/Namespace", Namespace.class),
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("apps/v1/StatefulSet", StatefulSet.class),
          Map.entry("apps/v1/DaemonSet", DaemonSet.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
          Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", ClusterRole.class),
          Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", ClusterRoleBinding.class));

  /** apiVersion/kind of the documents not checked here, and why. */
  private static final Map<String, String> SKIPPED =
      Map.of(
          "monitoring.coreos.com/v1/ServiceMonitor",
              "Prometheus Operator custom resource, no fabric8 model module",
          "monitoring.coreos.com/v1/PrometheusRule",
              "Prometheus Operator custom resource; its rule groups are checked by AlertRulesTest",
          "telemetry.istio.io/v1/Telemetry", "Istio custom resource, no fabric8 model module",
          "install.istio.io/v1alpha1/IstioOperator",
              "read by istioctl, never applied to the API server",
          "kustomize.config.k8s.io/v1beta1/Kustomization",
              "kustomize build input, not an API object; KubernetesManifestsTest checks its lists");

  /**
   * Configuration files kept beside the manifests, not Kubernetes objects: Prometheus and
   * Alertmanager files (checked by AlertRulesTest) and the OpenTelemetry Collector configurations
   * that kustomize turns into ConfigMaps.
   */
  private static final Set<String> NOT_OBJECTS =
      Set.of(
          "kubernetes/alerts/alertmanager.yaml",
          "kubernetes/alerts/meshlens.rules.yaml",
          "kubernetes/alerts/meshlens.rules.test.yaml",
          "kubernetes/collector/agent.yaml",
          "kubernetes/collector/cluster.yaml");

  /**
   * Strict: unknown properties fail, and the fabric8 classes' any-setter (which would otherwise
   * collect them into {@code additionalProperties}) and ignore-unknown flags are taken away.
   */
  private static final ObjectMapper STRICT =
      new ObjectMapper()
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .registerModule(
              new SimpleModule("strict-kubernetes-model")
                  .setDeserializerModifier(
                      new BeanDeserializerModifier() {
                        @Override
                        public BeanDeserializerBuilder updateBuilder(
                            DeserializationConfig config,
                            BeanDescription beanDesc,
                            BeanDeserializerBuilder builder) {
                          if (beanDesc.getBeanClass().getName().startsWith("io.fabric8.")) {
                            builder.setAnySetter(null);
                            builder.setIgnoreUnknownProperties(false);
                          }
                          return builder;
                        }
                      }));

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** What checking one file found: the kinds parsed, skipped, and the problems. */
  private record Outcome(List<String> parsed, List<String> skipped, List<String> problems) {}

  private static Outcome check(String file, String yaml) throws IOException {
    Outcome out = new Outcome(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    List<JsonNode> docs;
    try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(yaml)) {
      docs = it.readAll();
    }
    for (int i = 0; i < docs.size(); i++) {
      JsonNode doc = docs.get(i);
      if (doc == null || doc.isNull() || doc.isMissingNode()) {
        continue;
      }
      String where = file + (docs.size() > 1 ? " (document " + (i + 1) + ")" : "");
      if (!doc.has("kind") && !doc.has("apiVersion")) {
        if (!NOT_OBJECTS.contains(file)) {
          out.problems().add(where + ": not a Kubernetes object (no apiVersion/kind)");
        }
        continue;
      }
      String key = doc.path("apiVersion").asText() + "/" + doc.path("kind").asText();
      Class<? extends HasMetadata> type = TYPED.get(key);
      if (type == null) {
        if (SKIPPED.containsKey(key)) {
          out.skipped().add(key);
        } else {
          out.problems().add(where + ": " + key + " is neither checked nor listed as skipped");
        }
        continue;
      }
      try {
        STRICT.treeToValue(doc, type);
        out.parsed().add(key);
      } catch (JsonMappingException e) {
        out.problems().add(where + ": " + path(e) + ": " + e.getOriginalMessage());
      }
    }
    return out;
  }

  /** {@code spec.template.spec.containers[0].imagee} for the field a mapping error is about. */
  private static String path(JsonMappingException e) {
    StringBuilder p = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        p.append(p.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        p.append('[').append(r.getIndex()).append(']');
      }
    }
    return p.toString();
  }

  private static List<Path> manifests() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  @Test
  void everyManifestParsesStrictlyIntoItsTypedKubernetesModel() throws IOException {
    List<String> parsed = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Path f : manifests()) {
      Outcome o = check(f.toString().replace('\\', '/'), Files.readString(f));
      parsed.addAll(o.parsed());
      skipped.addAll(o.skipped());
      problems.addAll(o.problems());
    }
    assertThat(problems).isEmpty();
    // Every typed kind occurs in the manifests, so none of the checks above is vacuous.
    assertThat(parsed).containsAll(TYPED.keySet());
    assertThat(skipped).containsExactlyInAnyOrderElementsOf(expectedSkipped());
  }

  private static List<String> expectedSkipped() {
    List<String> s = new ArrayList<>(SKIPPED.keySet());
    s.add("kustomize.config.k8s.io/v1beta1/Kustomization"); // one per directory
    s.add("kustomize.config.k8s.io/v1beta1/Kustomization");
    return s;
  }

  @Test
  void misspelledFieldsAreReportedWithFileAndPath() throws IOException {
    String statefulSet = Files.readString(ROOT.resolve("statefulset.yaml"));
    assertThat(statefulSet).contains("  replicas: 1\n", "          image: meshlens:");
    String broken =
        statefulSet
            .replace("  replicas: 1\n", "  replica: 1\n")
            .replace("          image: meshlens:", "          imagee: meshlens:");

    assertThat(check("kubernetes/statefulset.yaml", broken).problems())
        .singleElement(STRING)
        .startsWith(
            "kubernetes/statefulset.yaml: spec.replica: Unrecognized field \"replica\" (class"
                + " io.fabric8.kubernetes.api.model.apps.StatefulSetSpec)");

    String onlyImage =
        statefulSet.replace("          image: meshlens:", "          imagee: meshlens:");
    assertThat(check("kubernetes/statefulset.yaml", onlyImage).problems())
        .singleElement(STRING)
        .startsWith(
            "kubernetes/statefulset.yaml: spec.template.spec.containers[0].imagee: Unrecognized"
                + " field \"imagee\" (class io.fabric8.kubernetes.api.model.Container)");
  }

  @Test
  void unknownKindsAndMisspelledFieldsInMultiDocumentFilesAreReported() throws IOException {
    String rbac = Files.readString(ROOT.resolve("collector/rbac.yaml"));
    assertThat(rbac).contains("\nkind: ClusterRoleBinding\n", "\nroleRef:\n");
    Outcome o =
        check(
            "kubernetes/collector/rbac.yaml",
            rbac.replace("\nroleRef:\n", "\nroleRefs:\n") + "---\napiVersion: v1\nkind: Pod\n");
    assertThat(o.problems()).hasSize(2);
    assertThat(o.problems().get(0))
        .matches(
            "kubernetes/collector/rbac\\.yaml \\(document \\d\\): roleRefs: Unrecognized field"
                + " \"roleRefs\" \\(class io\\.fabric8\\.kubernetes\\.api\\.model\\.rbac"
                + "\\.ClusterRoleBinding\\).*");
    assertThat(o.problems().get(1))
        .matches(
            "kubernetes/collector/rbac\\.yaml \\(document \\d\\): v1/Pod is neither checked nor"
                + " listed as skipped");
  }
}
