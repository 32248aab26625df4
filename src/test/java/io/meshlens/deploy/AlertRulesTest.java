package io.meshlens.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshlens.tenancy.TenantDirectory;
import io.meshlens.testing.PrometheusServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped alert rules ({@code kubernetes/alerts/meshlens.rules.yaml}) pass {@code promtool
 * check rules} and their unit tests ({@code promtool test rules}: every alert firing on its fault
 * and silent without it), the PrometheusRule carries exactly the same groups, every tenant alert
 * keeps the {@code tenant} label, and the Alertmanager example ({@code amtool}) routes each
 * tenant's alerts to that tenant's receiver.
 */
class AlertRulesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Path ALERTS = Path.of("kubernetes/alerts");
  private static final Path RULES = ALERTS.resolve("meshlens.rules.yaml");

  @TempDir Path tmp;

  /** Exit code and combined output of a program run in {@code dir}. */
  private record Run(int exit, String output) {}

  private static Run run(Path dir, String... command) throws Exception {
    return run(dir, true, command);
  }

  /** With {@code withStderr} false, what the program writes to stderr is dropped. */
  private static Run run(Path dir, boolean withStderr, String... command) throws Exception {
    ProcessBuilder b = new ProcessBuilder(command).directory(dir.toFile());
    if (withStderr) {
      b.redirectErrorStream(true);
    } else {
      b.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void promtoolChecksTheRuleFile() throws Exception {
    Run r =
        run(
            ALERTS,
            PrometheusServer.program("promtool").toString(),
            "check",
            "rules",
            "meshlens.rules.yaml");
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS: 26 rules found");
  }

  @Test
  void promtoolUnitTestsOfEveryAlertPass() throws Exception {
    Run r =
        run(
            ALERTS,
            PrometheusServer.program("promtool").toString(),
            "test",
            "rules",
            "meshlens.rules.test.yaml");
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("SUCCESS");
  }

  @Test
  void everyAlertHasUnitTestsThatShowItFiringAndSilent() throws IOException {
    JsonNode tests = YAML.readTree(ALERTS.resolve("meshlens.rules.test.yaml").toFile());
    Set<String> firing = new TreeSet<>();
    Set<String> silent = new TreeSet<>();
    for (JsonNode t : tests.path("tests")) {
      for (JsonNode a : t.path("alert_rule_test")) {
        (a.path("exp_alerts").isEmpty() ? silent : firing).add(a.path("alertname").asText());
      }
    }
    assertThat(firing).isEqualTo(alertNames()).isEqualTo(silent);
  }

  @Test
  void prometheusRuleCarriesExactlyTheRuleFilesGroups() throws IOException {
    JsonNode resource = YAML.readTree(Path.of("kubernetes/prometheusrule.yaml").toFile());
    assertThat(resource.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(resource.path("kind").asText()).isEqualTo("PrometheusRule");
    assertThat(resource.path("spec").path("groups"))
        .as(
            "kubernetes/prometheusrule.yaml is generated from %s: regenerate it (see its header)",
            RULES)
        .isEqualTo(YAML.readTree(RULES.toFile()).path("groups"));
  }

  @Test
  void tenantAlertsKeepTheTenantLabelAndOthersGoToSre() throws IOException {
    for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (!rule.has("alert")) {
          continue;
        }
        String name = rule.path("alert").asText();
        String expr = rule.path("expr").asText();
        assertThat(rule.path("labels").path("severity").asText()).as(name).isNotEmpty();
        if (name.startsWith("MeshlensTenant")) {
          // Aggregations keep tenant (recording rules keep it too), and no label overrides it.
          assertThat(expr).as(name).containsPattern("by \\(tenant|tenant_cluster:");
          assertThat(expr.replaceAll("by \\([^)]*\\)", "")).as(name).doesNotContain(" by ");
          assertThat(rule.path("labels").has("tenant")).as(name).isFalse();
          assertThat(rule.path("labels").has("team")).as(name).isFalse();
        } else {
          assertThat(rule.path("labels").path("team").asText()).as(name).isEqualTo("sre");
        }
      }
    }
  }

  @Test
  void alertmanagerExampleIsValidAndRoutesEachTenantToItsOwnReceiver() throws Exception {
    Path amtool = PrometheusServer.program("amtool");
    Run check = run(ALERTS, amtool.toString(), "check-config", "alertmanager.yaml");
    assertThat(check.exit()).as(check.output()).isZero();
    // Every tenant of the shipped tenants ConfigMap gets its own receiver.
    JsonNode configMap = YAML.readTree(Path.of("kubernetes/tenants-configmap.yaml").toFile());
    Path tenants = tmp.resolve("tenants.yaml");
    Files.writeString(tenants, configMap.path("data").path("tenants.yaml").asText());
    List<String> configured = new ArrayList<>();
    for (String t : TenantDirectory.load(tenants).allTenants()) {
      if (!t.equals("platform") && !t.equals("unassigned")) {
        configured.add(t);
      }
    }
    assertThat(configured).isNotEmpty();
    for (String t : configured) {
      assertThat(route(amtool, "tenant=" + t, "severity=warning")).isEqualTo("tenant-" + t);
      assertThat(route(amtool, "tenant=" + t, "severity=page")).contains("tenant-" + t);
    }
    // No tenant sees another's alerts; the reserved tenants and Meshlens' own alerts go to SRE.
    assertThat(route(amtool, "tenant=payments", "severity=warning")).doesNotContain("shop");
    assertThat(route(amtool, "tenant=platform", "severity=warning")).isEqualTo("sre");
    assertThat(route(amtool, "alertname=MeshlensClusterSilent", "team=sre", "severity=page"))
        .isEqualTo("sre");
  }

  private String route(Path amtool, String... labels) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(amtool.toString(), "config", "routes", "test"));
    cmd.add("--config.file=alertmanager.yaml");
    cmd.addAll(List.of(labels));
    // stderr only warns that --config.file overrides --alertmanager.url.
    Run r = run(ALERTS, false, cmd.toArray(String[]::new));
    assertThat(r.exit()).as(r.output()).isZero();
    return r.output().strip();
  }

  private static Set<String> alertNames() throws IOException {
    Set<String> out = new TreeSet<>();
    for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        if (rule.has("alert")) {
          out.add(rule.path("alert").asText());
        }
      }
    }
    return out;
  }
}
