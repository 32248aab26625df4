package io.meshlens.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.config.ConfigFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantDirectoryTest {

  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    Path f = dir.resolve("tenants.yaml");
    Files.writeString(f, yaml);
    return f;
  }

  @Test
  void exactAndGlobNamespacesBelongToTheirTenantInEveryCluster() throws IOException {
    TenantDirectory d =
        TenantDirectory.load(
            write(
                """
                tenants:
                  - name: payments
                    namespaces: [payments, "payments-*"]
                    clusters: ["*"]
                    allowedPeers: [shop]
                  - name: shop
                    namespaces: [shop]
                platform:
                  namespaces: [istio-system, istio-gateways, kube-system]
                """));
    assertThat(d.tenantOf("payments", "east-1")).isEqualTo("payments");
    assertThat(d.tenantOf("payments-ledger", "west-1")).isEqualTo("payments");
    assertThat(d.tenantOf("shop", "west-1")).isEqualTo("shop");
    assertThat(d.tenantOf("istio-system", "east-2")).isEqualTo("platform");
    assertThat(d.tenantOf("legacy", "east-2")).isEqualTo("unassigned");
    assertThat(d.tenantOf(null, "east-2")).isEqualTo("unassigned");
    assertThat(d.allTenants()).containsExactly("payments", "platform", "shop", "unassigned");
    assertThat(d.allowedPeers("shop", "payments")).isTrue();
    assertThat(d.allowedPeers("payments", "shop")).isTrue();
  }

  @Test
  void clusterScopedRuleOverridesNamespaceSameness() throws IOException {
    TenantDirectory d =
        TenantDirectory.load(
            write(
                """
                tenants:
                  - name: payments
                    namespaces: [payments]
                  - name: payments-eu
                    namespaces: [payments]
                    clusters: [west-1]
                """));
    assertThat(d.tenantOf("payments", "east-1")).isEqualTo("payments");
    assertThat(d.tenantOf("payments", "west-1")).isEqualTo("payments-eu");
  }

  @Test
  void exactNamespaceBeatsAGlobAndLongerGlobBeatsShorter() throws IOException {
    TenantDirectory d =
        TenantDirectory.load(
            write(
                """
                tenants:
                  - name: broad
                    namespaces: ["team-*"]
                  - name: narrow
                    namespaces: ["team-data-*"]
                  - name: exact
                    namespaces: [team-data-lake]
                """));
    assertThat(d.tenantOf("team-web", "c")).isEqualTo("broad");
    assertThat(d.tenantOf("team-data-x", "c")).isEqualTo("narrow");
    assertThat(d.tenantOf("team-data-lake", "c")).isEqualTo("exact");
  }

  @Test
  void unknownKeyFailsWithFileLineAndReason() throws IOException {
    Path f =
        write(
            """
            tenants:
              - name: payments
                namespace: [payments]
            """);
    assertThatThrownBy(() -> TenantDirectory.load(f))
        .isInstanceOf(ConfigFileException.class)
        .hasMessageStartingWith(f + ":3: unknown key 'namespace'");
  }

  @Test
  void duplicateTenantFailsAtTheSecondDefinition() throws IOException {
    Path f =
        write(
            """
            tenants:
              - name: shop
                namespaces: [shop]
              - name: shop
                namespaces: [shop2]
            """);
    assertThatThrownBy(() -> TenantDirectory.load(f))
        .isInstanceOf(ConfigFileException.class)
        .hasMessage(f + ":4: tenant 'shop' is already defined at line 2");
  }

  @Test
  void reservedNameAndMissingNamespacesAreRejectedWithTheirLine() throws IOException {
    Path reserved =
        write(
            """
            tenants:
              - name: platform
                namespaces: [x]
            """);
    assertThatThrownBy(() -> TenantDirectory.load(reserved))
        .hasMessage(reserved + ":2: tenant name 'platform' is reserved");
    Path empty =
        write(
            """
            tenants:
              - name: a
                namespaces: [a]
              - name: b
            """);
    assertThatThrownBy(() -> TenantDirectory.load(empty))
        .hasMessage(empty + ":4: tenant 'b' has no namespaces");
  }

  @Test
  void twoTenantsClaimingTheSameNamespaceInTheSameClustersIsAnError() throws IOException {
    Path f =
        write(
            """
            tenants:
              - name: a
                namespaces: [shared]
              - name: b
                namespaces: [shared]
            """);
    assertThatThrownBy(() -> TenantDirectory.load(f))
        .hasMessage(
            f
                + ":4: namespace 'shared' in clusters '*' is claimed by tenants 'a' (line 2) and 'b'");
  }

  @Test
  void unknownPeerAndTenantClaimingAPlatformNamespaceAreErrors() throws IOException {
    Path peer =
        write(
            """
            tenants:
              - name: a
                namespaces: [a]
                allowedPeers: [nobody]
            """);
    assertThatThrownBy(() -> TenantDirectory.load(peer))
        .hasMessage(peer + ":2: tenant 'a' lists unknown allowedPeer 'nobody'");
    Path platform =
        write(
            """
            tenants:
              - name: a
                namespaces: [istio-system]
            platform:
              namespaces: [istio-system]
            """);
    assertThatThrownBy(() -> TenantDirectory.load(platform))
        .hasMessage(
            platform
                + ":2: namespace 'istio-system' is a platform namespace and cannot belong to tenant 'a'");
  }

  @Test
  void malformedYamlAndMissingFileNameTheFile() throws IOException {
    Path bad = write("tenants: [\n  - name: a\n");
    assertThatThrownBy(() -> TenantDirectory.load(bad))
        .isInstanceOf(ConfigFileException.class)
        .hasMessageStartingWith(bad.toString() + ":");
    Path missing = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> TenantDirectory.load(missing))
        .hasMessage(missing + ": file not found");
  }

  @Test
  void shippedDemoTenantsFileIsValid() {
    TenantDirectory d = TenantDirectory.load(Path.of("config/tenants.yaml"));
    assertThat(d.allTenants())
        .containsExactly("analytics", "payments", "platform", "search", "shop", "unassigned");
  }

  @Test
  void tenantsMayShortenTheirRetentionPerSignal() throws IOException {
    TenantDirectory d =
        TenantDirectory.load(
            write(
                """
                tenants:
                  - name: search
                    namespaces: [search]
                    retention: {metrics: 7d, spans: 36h}
                  - name: shop
                    namespaces: [shop]
                """));
    assertThat(d.retentionOverrides())
        .containsOnlyKeys("search")
        .containsEntry(
            "search",
            new TenantRetention(
                java.time.Duration.ofDays(7), java.time.Duration.ofHours(36), null));
    assertThatThrownBy(
            () ->
                TenantDirectory.load(
                    write(
                        """
                        tenants:
                          - name: search
                            namespaces: [search]
                            retention: {logs: 3 days}
                        """)))
        .isInstanceOf(ConfigFileException.class)
        .hasMessageContaining("tenants.yaml:")
        .hasMessageContaining("retention logs '3 days' is not a duration like 7d");
  }
}
