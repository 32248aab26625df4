package io.meshlens.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlens.config.MeshlensConfig;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.simulator.Topics;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Structural checks of everything under {@code kubernetes/} that the API server, the Prometheus
 * Operator, Istio and the OpenTelemetry Collector would otherwise only refuse at deploy time: each
 * document's apiVersion for its kind, required fields, selectors that select, named ports that
 * exist, probes and resources on every container, every kustomization entry present; and that the
 * Collector configuration sends what Meshlens consumes, on its topics, in encodings it reads.
 */
class DeploymentManifestsStructureTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ROOT = Path.of("kubernetes");

  /** apiVersion of each kind the manifests use, as the cluster serves them. */
  private static final Map<String, String> API_VERSIONS =
      Map.ofEntries(
          Map.entry("Namespace", "v1"),
          Map.entry("ConfigMap", "v1"),
          Map.entry("Secret", "v1"),
          Map.entry("Service", "v1"),
          Map.entry("ServiceAccount", "v1"),
          Map.entry("StatefulSet", "apps/v1"),
          Map.entry("Deployment", "apps/v1"),
          Map.entry("DaemonSet", "apps/v1"),
          Map.entry("PodDisruptionBudget", "policy/v1"),
          Map.entry("NetworkPolicy", "networking.k8s.io/v1"),
          Map.entry("ClusterRole", "rbac.authorization.k8s.io/v1"),
          Map.entry("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
          Map.entry("ServiceMonitor", "monitoring.coreos.com/v1"),
          Map.entry("PrometheusRule", "monitoring.coreos.com/v1"),
          Map.entry("Telemetry", "telemetry.istio.io/v1"),
          Map.entry("IstioOperator", "install.istio.io/v1alpha1"),
          Map.entry("Kustomization", "kustomize.config.k8s.io/v1beta1"));

  record Doc(Path file, JsonNode json) {
    String kind() {
      return json.path("kind").asText();
    }

    String name() {
      return json.path("metadata").path("name").asText();
    }

    @Override
    public String toString() {
      return file + " " + kind() + "/" + name();
    }
  }

  private static List<Doc> docs(Path dir) throws IOException {
    List<Doc> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(f.toFile())) {
          while (it.hasNext()) {
            JsonNode n = it.next();
            if (n != null && !n.isNull() && n.has("kind")) {
              out.add(new Doc(f, n));
            }
          }
        }
      }
    }
    return out;
  }

  private static List<Doc> ofKind(List<Doc> docs, String kind) {
    return docs.stream().filter(d -> d.kind().equals(kind)).toList();
  }

  private static Doc one(Path dir, String kind, String name) throws IOException {
    return docs(dir).stream()
        .filter(d -> d.kind().equals(kind) && d.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + "/" + name + " under " + dir));
  }

  private static Map<String, String> map(JsonNode n) {
    Map<String, String> out = new HashMap<>();
    n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }

  private static boolean selects(JsonNode matchLabels, JsonNode labels) {
    Map<String, String> want = map(matchLabels);
    return !want.isEmpty() && map(labels).entrySet().containsAll(want.entrySet());
  }

  private static JsonNode podTemplate(Doc d) {
    return d.json().path("spec").path("template");
  }

  private static Map<String, Integer> containerPorts(Doc workload) {
    Map<String, Integer> out = new HashMap<>();
    for (JsonNode c : podTemplate(workload).path("spec").path("containers")) {
      for (JsonNode p : c.path("ports")) {
        out.put(p.path("name").asText(), p.path("containerPort").asInt());
      }
    }
    return out;
  }

  @Test
  void everyDocumentHasItsKindsApiVersionANameAndEveryKustomizationEntryExists()
      throws IOException {
    List<Doc> all = docs(ROOT);
    assertThat(all).hasSizeGreaterThan(15);
    for (Doc d : all) {
      String expected = API_VERSIONS.get(d.kind());
      if (expected != null) {
        assertThat(d.json().path("apiVersion").asText()).as(d.toString()).isEqualTo(expected);
      }
      if (!d.kind().equals("Kustomization") && !d.kind().equals("IstioOperator")) {
        assertThat(d.name()).as("metadata.name of %s", d).isNotEmpty();
      }
    }
    for (Doc k : ofKind(all, "Kustomization")) {
      Path dir = k.file().getParent();
      List<String> listed = new ArrayList<>();
      k.json().path("resources").forEach(r -> listed.add(r.asText()));
      k.json()
          .path("configMapGenerator")
          .forEach(g -> g.path("files").forEach(f -> listed.add(f.asText())));
      assertThat(listed).as(k.toString()).isNotEmpty();
      for (String entry : listed) {
        assertThat(dir.resolve(entry)).as("%s lists %s", k.file(), entry).exists();
      }
    }
    // The per-cluster kustomizations ship every manifest of their directory (the IstioOperator
    // overlay is read by istioctl, not applied).
    for (String sub : List.of("collector", "istio")) {
      Doc k = one(ROOT.resolve(sub), "Kustomization", "");
      Set<String> listed = new HashSet<>();
      k.json().path("resources").forEach(r -> listed.add(r.asText()));
      k.json()
          .path("configMapGenerator")
          .forEach(g -> g.path("files").forEach(f -> listed.add(f.asText())));
      try (Stream<Path> files = Files.list(ROOT.resolve(sub))) {
        for (Path f : files.toList()) {
          String n = f.getFileName().toString();
          boolean istioctlOnly =
              docs(f.getParent()).stream()
                  .anyMatch(d -> d.file().equals(f) && d.kind().equals("IstioOperator"));
          if (n.endsWith(".yaml") && !n.equals("kustomization.yaml") && !istioctlOnly) {
            assertThat(listed).as("%s lists %s", k.file(), n).contains(n);
          }
        }
      }
    }
  }

  @Test
  void everyContainerHasResourcesAndHttpProbesOnItsOwnNamedPorts() throws IOException {
    List<Doc> workloads = new ArrayList<>();
    for (String kind : List.of("StatefulSet", "Deployment", "DaemonSet")) {
      workloads.addAll(ofKind(docs(ROOT), kind));
    }
    assertThat(workloads).extracting(Doc::name).contains("meshlens", "otel-agent", "otel-cluster");
    for (Doc w : workloads) {
      assertThat(
              selects(
                  w.json().path("spec").path("selector").path("matchLabels"),
                  podTemplate(w).path("metadata").path("labels")))
          .as("%s: selector matches its pod template", w)
          .isTrue();
      Map<String, Integer> ports = containerPorts(w);
      for (JsonNode c : podTemplate(w).path("spec").path("containers")) {
        JsonNode res = c.path("resources");
        assertThat(res.path("requests").has("cpu")).as("%s cpu request", w).isTrue();
        assertThat(res.path("requests").has("memory")).as("%s memory request", w).isTrue();
        assertThat(res.path("limits").has("memory")).as("%s memory limit", w).isTrue();
        assertThat(bytes(res.path("requests").path("memory").asText()))
            .as("%s: memory request within its limit", w)
            .isLessThanOrEqualTo(bytes(res.path("limits").path("memory").asText()));
        for (String probe : List.of("readinessProbe", "livenessProbe")) {
          JsonNode get = c.path(probe).path("httpGet");
          assertThat(get.path("path").asText()).as("%s %s path", w, probe).startsWith("/");
          assertThat(ports).as("%s %s port", w, probe).containsKey(get.path("port").asText());
        }
        assertThat(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true))
            .as("%s: no privilege escalation", w)
            .isFalse();
      }
    }
    JsonNode meshlens =
        podTemplate(one(ROOT, "StatefulSet", "meshlens")).path("spec").path("containers").get(0);
    assertThat(meshlens.path("startupProbe").path("httpGet").path("path").asText())
        .isEqualTo("/q/health/started");
    assertThat(meshlens.path("startupProbe").path("httpGet").path("port").asText())
        .isEqualTo("management");
  }

  /** Kubernetes quantities as bytes (the binary and decimal suffixes the manifests use). */
  private static long bytes(String quantity) {
    Matcher m = Pattern.compile("(\\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?").matcher(quantity);
    assertThat(m.matches()).as("quantity %s", quantity).isTrue();
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "" : m.group(2);
    return switch (unit) {
      case "Ki" -> n << 10;
      case "Mi" -> n << 20;
      case "Gi" -> n << 30;
      case "Ti" -> n << 40;
      case "k" -> n * 1_000;
      case "M" -> n * 1_000_000;
      case "G" -> n * 1_000_000_000;
      case "T" -> n * 1_000_000_000_000L;
      default -> n;
    };
  }

  @Test
  void servicePdbNetworkPolicyAndServiceMonitorSelectMeshlensAndNameItsPorts() throws IOException {
    Doc set = one(ROOT, "StatefulSet", "meshlens");
    JsonNode podLabels = podTemplate(set).path("metadata").path("labels");
    Map<String, Integer> ports = containerPorts(set);

    Doc service = one(ROOT, "Service", "meshlens");
    assertThat(selects(service.json().path("spec").path("selector"), podLabels)).isTrue();
    Map<String, String> servicePorts = new HashMap<>();
    for (JsonNode p : service.json().path("spec").path("ports")) {
      servicePorts.put(p.path("name").asText(), p.path("targetPort").asText());
      assertThat(ports).containsKey(p.path("targetPort").asText());
    }
    assertThat(servicePorts)
        .containsEntry("http", "http")
        .containsEntry("management", "management");

    Doc pdb = one(ROOT, "PodDisruptionBudget", "meshlens");
    assertThat(selects(pdb.json().path("spec").path("selector").path("matchLabels"), podLabels))
        .isTrue();
    assertThat(
            pdb.json().path("spec").has("maxUnavailable")
                ^ pdb.json().path("spec").has("minAvailable"))
        .as("exactly one of maxUnavailable and minAvailable")
        .isTrue();

    // The API port is open to the query-access namespaces, the management port only to
    // monitoring: two rules, each naming a port of the pod.
    JsonNode np = one(ROOT, "NetworkPolicy", "meshlens").json().path("spec");
    assertThat(selects(np.path("podSelector").path("matchLabels"), podLabels)).isTrue();
    assertThat(np.path("policyTypes").toString()).contains("Ingress");
    Map<String, String> reachableFrom = new HashMap<>();
    for (JsonNode rule : np.path("ingress")) {
      assertThat(rule.path("from").size()).as("a rule names who may connect").isPositive();
      for (JsonNode p : rule.path("ports")) {
        assertThat(ports).containsKey(p.path("port").asText());
        reachableFrom.put(p.path("port").asText(), rule.path("from").toString());
      }
    }
    assertThat(reachableFrom.get("http")).contains("meshlens.io/query-access");
    assertThat(reachableFrom.get("management"))
        .contains("monitoring")
        .doesNotContain("query-access");

    JsonNode sm = one(ROOT, "ServiceMonitor", "meshlens").json().path("spec");
    assertThat(
            selects(
                sm.path("selector").path("matchLabels"),
                service.json().path("metadata").path("labels")))
        .as("the ServiceMonitor selects the Service by its labels")
        .isTrue();
    assertThat(sm.path("endpoints").get(0).path("port").asText()).isEqualTo("management");
    assertThat(sm.path("endpoints").get(0).path("path").asText()).isEqualTo("/metrics");
  }

  private static String withDefault(String method) throws NoSuchMethodException {
    return MeshlensConfig.Topics.class.getMethod(method).getAnnotation(WithDefault.class).value();
  }

  @Test
  void collectorsExportToTheTopicsMeshlensConsumesInEncodingsItReadsWithTheClusterName()
      throws Exception {
    // Meshlens' topics: its config defaults, which the simulator (and so the demo) uses too.
    Topics meshlens =
        new Topics(
            withDefault("metrics"),
            withDefault("spans"),
            withDefault("logs"),
            withDefault("accessLogs"));
    assertThat(meshlens).isEqualTo(Topics.defaults());
    Map<String, String> topicBySignal =
        Map.of("metrics", meshlens.metrics(), "traces", meshlens.spans(), "logs", meshlens.logs());
    Doc agentSet = one(ROOT.resolve("collector"), "DaemonSet", "otel-agent");
    Doc clusterSet = one(ROOT.resolve("collector"), "Deployment", "otel-cluster");
    Set<String> generatedEnv = new HashSet<>();
    one(ROOT.resolve("collector"), "Kustomization", "")
        .json()
        .path("configMapGenerator")
        .forEach(g -> g.path("literals").forEach(l -> generatedEnv.add(l.asText().split("=")[0])));

    for (String file : List.of("agent.yaml", "cluster.yaml")) {
      JsonNode c = YAML.readTree(ROOT.resolve("collector").resolve(file).toFile());
      JsonNode pipelines = c.path("service").path("pipelines");
      assertThat(pipelines.size()).as(file).isPositive();
      Set<String> used = new HashSet<>();
      pipelines
          .fields()
          .forEachRemaining(
              p -> {
                String signal = p.getKey().split("/")[0];
                for (String section : List.of("receivers", "processors", "exporters")) {
                  for (JsonNode id : p.getValue().path(section)) {
                    assertThat(c.path(section).has(id.asText()))
                        .as("%s: pipeline %s uses %s %s, defined", file, p.getKey(), section, id)
                        .isTrue();
                    used.add(section + ":" + id.asText());
                  }
                }
                JsonNode kafka = c.path("exporters").path("kafka");
                assertThat(p.getValue().path("exporters").toString()).contains("kafka");
                // Each signal goes to the topic Meshlens reads it from, in an encoding it reads.
                assertThat(kafka.path(signal).path("topic").asText())
                    .as("%s: %s topic", file, signal)
                    .isEqualTo(topicBySignal.get(signal));
                assertThat(kafka.path(signal).path("encoding").asText())
                    .as("%s: %s encoding", file, signal)
                    .isIn("otlp_proto", "otlp_json");
                assertThat(p.getValue().path("processors").toString())
                    .as("%s: %s adds the cluster name", file, p.getKey())
                    .contains("resource/cluster");
              });
      for (String section : List.of("receivers", "processors", "exporters")) {
        c.path(section)
            .fieldNames()
            .forEachRemaining(
                id ->
                    assertThat(used)
                        .as("%s: %s %s is used by a pipeline", file, section, id)
                        .contains(section + ":" + id));
      }
      JsonNode kafka = c.path("exporters").path("kafka");
      assertThat(kafka.path("partition_metrics_by_resource_attributes").asBoolean()).isTrue();
      // Meshlens dead-letters records over meshlens.ingest.max-record-bytes (default 8 MiB).
      assertThat(kafka.path("producer").path("max_message_bytes").asLong())
          .isLessThanOrEqualTo(8_388_608L);
      JsonNode cluster = c.path("processors").path("resource/cluster").path("attributes").get(0);
      assertThat(cluster.path("key").asText())
          .isEqualTo("k8s.cluster.name")
          .isIn(TranslatorSettings.DEFAULT_PROMOTED_RESOURCE_ATTRIBUTES);
      assertThat(cluster.path("action").asText()).isEqualTo("upsert");

      // Every ${env:X} the config reads is set on the pod that runs it.
      Doc runner = file.equals("agent.yaml") ? agentSet : clusterSet;
      Set<String> env = new HashSet<>(generatedEnv);
      for (JsonNode ctr : podTemplate(runner).path("spec").path("containers")) {
        ctr.path("env").forEach(e -> env.add(e.path("name").asText()));
        assertThat(ctr.path("args").toString()).contains("/etc/otelcol/" + file);
      }
      Matcher m =
          Pattern.compile("\\$\\{env:(\\w+)}")
              .matcher(Files.readString(ROOT.resolve("collector").resolve(file)));
      while (m.find()) {
        assertThat(env).as("%s reads %s", file, m.group(1)).contains(m.group(1));
      }
      int health =
          Integer.parseInt(
              c.path("extensions").path("health_check").path("endpoint").asText().split(":")[1]);
      assertThat(containerPorts(runner)).containsEntry("health", health);
    }

    JsonNode agent = YAML.readTree(ROOT.resolve("collector/agent.yaml").toFile());
    String scrape = agent.path("receivers").path("prometheus").toString();
    assertThat(scrape).contains("15020").contains("http-envoy-prom").contains("/stats/prometheus");
    assertThat(agent.path("receivers").has("kubeletstats")).isTrue();
    assertThat(
            agent
                .path("receivers")
                .path("otlp")
                .path("protocols")
                .path("grpc")
                .path("endpoint")
                .asText())
        .endsWith(":4317");
    JsonNode clusterCfg = YAML.readTree(ROOT.resolve("collector/cluster.yaml").toFile());
    assertThat(clusterCfg.path("receivers").has("k8s_cluster")).isTrue();
    assertThat(clusterCfg.path("receivers").path("prometheus").toString())
        .contains("istiod;http-monitoring");
    assertThat(containerPorts(agentSet)).containsEntry("otlp-grpc", 4317);
  }

  @Test
  void istioTelemetryUsesProvidersMeshConfigDeclaresPointingAtTheCollectorsOtlpPort()
      throws IOException {
    Path istio = ROOT.resolve("istio");
    Doc telemetry = one(istio, "Telemetry", "mesh-default");
    assertThat(telemetry.json().path("metadata").path("namespace").asText())
        .as("mesh-wide: the root namespace")
        .isEqualTo("istio-system");
    Doc operator =
        docs(istio).stream()
            .filter(d -> d.kind().equals("IstioOperator"))
            .findFirst()
            .orElseThrow();
    Map<String, JsonNode> providers = new HashMap<>();
    operator
        .json()
        .path("spec")
        .path("meshConfig")
        .path("extensionProviders")
        .forEach(p -> providers.put(p.path("name").asText(), p));

    JsonNode accessLog =
        providers.get(
            telemetry
                .json()
                .path("spec")
                .path("accessLogging")
                .get(0)
                .path("providers")
                .get(0)
                .path("name")
                .asText());
    JsonNode tracing =
        providers.get(
            telemetry
                .json()
                .path("spec")
                .path("tracing")
                .get(0)
                .path("providers")
                .get(0)
                .path("name")
                .asText());
    assertThat(accessLog).as("access log provider declared in meshConfig").isNotNull();
    assertThat(tracing).as("tracing provider declared in meshConfig").isNotNull();
    JsonNode als = accessLog.path("envoyOtelAls");
    JsonNode otel = tracing.path("opentelemetry");
    // Meshlens reads pod, namespace and cluster from the access log record's attributes.
    assertThat(map(als.path("logFormat").path("labels")))
        .containsKeys("pod", "namespace", "cluster");

    Doc svc = one(ROOT.resolve("collector"), "Service", "otel-agent");
    String ns =
        one(ROOT.resolve("collector"), "Kustomization", "").json().path("namespace").asText();
    Doc agent = one(ROOT.resolve("collector"), "DaemonSet", "otel-agent");
    assertThat(
            selects(
                svc.json().path("spec").path("selector"),
                podTemplate(agent).path("metadata").path("labels")))
        .isTrue();
    Map<Integer, String> servicePorts = new HashMap<>();
    svc.json()
        .path("spec")
        .path("ports")
        .forEach(p -> servicePorts.put(p.path("port").asInt(), p.path("targetPort").asText()));
    for (JsonNode provider : List.of(als, otel)) {
      assertThat(provider.path("service").asText())
          .isEqualTo(svc.name() + "." + ns + ".svc.cluster.local");
      String target = servicePorts.get(provider.path("port").asInt());
      assertThat(target).as("service port %s", provider.path("port")).isNotNull();
      assertThat(containerPorts(agent).get(target)).isEqualTo(4317);
    }
  }
}
