package io.meshlens.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The provisioning examples give every Grafana organization the data sources its dashboards need,
 * each pointed at Meshlens' Service with one token per organization in the Authorization header.
 */
class GrafanaProvisioningTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path PROVISIONING = Path.of("dashboards/provisioning");

  @Test
  void everyOrganizationHasMeshlensPrometheusLokiAndJaegerUnderOneTokenOfItsOwn()
      throws IOException {
    JsonNode ds = YAML.readTree(PROVISIONING.resolve("datasources/meshlens.yaml").toFile());
    Map<Integer, Map<String, JsonNode>> byOrg = new TreeMap<>();
    for (JsonNode d : ds.path("datasources")) {
      JsonNode previous =
          byOrg
              .computeIfAbsent(d.path("orgId").asInt(), k -> new HashMap<>())
              .put(d.path("type").asText(), d);
      assertThat(previous).as("one %s per org", d.path("type").asText()).isNull();
    }
    assertThat(byOrg).hasSizeGreaterThanOrEqualTo(3);

    // The Service's address and API port from kubernetes/.
    JsonNode service = YAML.readTree(Path.of("kubernetes/service.yaml").toFile());
    String namespace =
        YAML.readTree(Path.of("kubernetes/kustomization.yaml").toFile()).path("namespace").asText();
    int port = -1;
    for (JsonNode p : service.path("spec").path("ports")) {
      if (p.path("name").asText().equals("http")) {
        port = p.path("port").asInt();
      }
    }
    String url =
        "http://"
            + service.path("metadata").path("name").asText()
            + "."
            + namespace
            + ".svc:"
            + port;

    Set<String> typesDashboardsUse = new TreeSet<>();
    for (GrafanaDashboard d : GrafanaDashboard.all(Path.of("dashboards"))) {
      typesDashboardsUse.addAll(d.datasourceVariables().values());
    }
    assertThat(typesDashboardsUse).containsExactly("jaeger", "loki", "prometheus");

    Set<String> tokens = new HashSet<>();
    for (Map.Entry<Integer, Map<String, JsonNode>> org : byOrg.entrySet()) {
      assertThat(org.getValue().keySet()).as("org %s", org.getKey()).isEqualTo(typesDashboardsUse);
      Set<String> orgTokens = new HashSet<>();
      for (JsonNode d : org.getValue().values()) {
        assertThat(d.path("url").asText()).isEqualTo(url);
        assertThat(d.path("access").asText()).as("the server holds the token").isEqualTo("proxy");
        assertThat(d.path("jsonData").path("httpHeaderName1").asText()).isEqualTo("Authorization");
        String value = d.path("secureJsonData").path("httpHeaderValue1").asText();
        assertThat(value).matches("Bearer \\$MESHLENS_TOKEN_[A-Z_]+");
        orgTokens.add(value);
      }
      assertThat(orgTokens).as("org %s uses one token", org.getKey()).hasSize(1);
      assertThat(tokens.add(orgTokens.iterator().next()))
          .as("org %s has a token of its own", org.getKey())
          .isTrue();
      assertThat(org.getValue().get("prometheus").path("isDefault").asBoolean()).isTrue();
    }
    assertThat(tokens).contains("Bearer $MESHLENS_TOKEN_SRE");

    JsonNode providers = YAML.readTree(PROVISIONING.resolve("dashboards/meshlens.yaml").toFile());
    Map<Integer, String> paths = new TreeMap<>();
    providers
        .path("providers")
        .forEach(p -> paths.put(p.path("orgId").asInt(), p.path("options").path("path").asText()));
    assertThat(paths.keySet()).isEqualTo(byOrg.keySet());
    // The SRE organization gets every dashboard; tenant organizations the tenant ones only.
    for (Map.Entry<Integer, Map<String, JsonNode>> org : byOrg.entrySet()) {
      boolean sre =
          org.getValue()
              .get("prometheus")
              .path("secureJsonData")
              .path("httpHeaderValue1")
              .asText()
              .endsWith("_SRE");
      assertThat(paths.get(org.getKey())).endsWith(sre ? "/all" : "/tenant");
    }
    assertThat(List.copyOf(paths.values())).contains("/var/lib/grafana/dashboards/tenant");
  }
}
