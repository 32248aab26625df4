package io.meshlens.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlens.access.TokenAuthenticator;
import io.meshlens.tenancy.TenantDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped manifests must deploy a Meshlens that starts: the embedded tenants and tokens files
 * pass Meshlens' own validation, the environment names real settings, the probes hit real
 * endpoints, and kustomize lists every file.
 */
class KubernetesManifestsTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @TempDir Path tmp;

  private static Map<String, JsonNode> byKind() throws IOException {
    Map<String, JsonNode> out = new HashMap<>();
    try (var files = Files.list(Path.of("kubernetes"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
        JsonNode doc = YAML.readTree(f.toFile());
        out.put(doc.path("kind").asText(), doc);
      }
    }
    return out;
  }

  @Test
  void kustomizationListsEveryManifest() throws IOException {
    JsonNode k = byKind().get("Kustomization");
    List<String> listed = YAML.convertValue(k.path("resources"), List.class);
    try (var files = Files.list(Path.of("kubernetes"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .filteredOn(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
          .containsExactlyInAnyOrderElementsOf(listed);
    }
  }

  @Test
  void embeddedTenantsAndTokensFilesAreValidMeshlensConfig() throws IOException {
    Map<String, JsonNode> k = byKind();
    Path tenants = tmp.resolve("tenants.yaml");
    Files.writeString(tenants, k.get("ConfigMap").path("data").path("tenants.yaml").asText());
    assertThat(TenantDirectory.load(tenants).allTenants())
        .containsExactly("payments", "platform", "shop", "unassigned");
    Path tokens = tmp.resolve("tokens.yaml");
    Files.writeString(tokens, k.get("Secret").path("stringData").path("tokens.yaml").asText());
    TokenAuthenticator.load(tokens);
  }

  @Test
  void statefulSetPointsMeshlensAtTheMountedFilesItsVolumeAndRealProbes() throws IOException {
    JsonNode set = byKind().get("StatefulSet");
    JsonNode c = set.path("spec").path("template").path("spec").path("containers").get(0);
    Map<String, String> env = new HashMap<>();
    c.path("env").forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
    assertThat(env)
        .containsEntry("MESHLENS_TENANTS_FILE", "/etc/meshlens/tenants/tenants.yaml")
        .containsEntry("MESHLENS_TOKENS_FILE", "/etc/meshlens/tokens/tokens.yaml")
        .containsKey("KAFKA_BOOTSTRAP_SERVERS");
    Map<String, String> mounts = new HashMap<>();
    c.path("volumeMounts")
        .forEach(m -> mounts.put(m.path("name").asText(), m.path("mountPath").asText()));
    assertThat(mounts)
        .containsEntry("tenants", "/etc/meshlens/tenants")
        .containsEntry("tokens", "/etc/meshlens/tokens")
        .containsEntry("data", env.get("MESHLENS_DATA_DIR"));
    // The data directory is a persistent volume per replica, not an emptyDir.
    JsonNode claims = set.path("spec").path("volumeClaimTemplates");
    assertThat(claims.get(0).path("metadata").path("name").asText()).isEqualTo("data");
    assertThat(c.path("readinessProbe").path("httpGet").path("path").asText())
        .isEqualTo("/q/health/ready");
    assertThat(c.path("livenessProbe").path("httpGet").path("path").asText())
        .isEqualTo("/q/health/live");
    assertThat(c.path("readinessProbe").path("httpGet").path("port").asText())
        .isEqualTo("management");
    Map<String, Integer> ports = new HashMap<>();
    c.path("ports")
        .forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
    // application.properties: quarkus.http.port=8080, quarkus.management.port=9000
    assertThat(ports).containsEntry("http", 8080).containsEntry("management", 9000);
  }
}
