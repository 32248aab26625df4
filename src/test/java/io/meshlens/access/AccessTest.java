package io.meshlens.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.config.ConfigFileException;
import io.meshlens.store.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessTest {

  @TempDir Path dir;

  private final TokenAuthenticator demo = TokenAuthenticator.load(Path.of("config/tokens.yaml"));

  @Test
  void everyShippedDemoTokenAuthenticatesAsItsSubject() throws IOException {
    for (String line : Files.readAllLines(Path.of("config/demo-tokens.txt"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(" ");
      assertThat(demo.authenticate(parts[1]))
          .get()
          .extracting(Identity::subject)
          .isEqualTo(parts[0]);
    }
    assertThat(demo.authenticate("demo-payments-token ")).isEmpty();
    assertThat(demo.authenticate("")).isEmpty();
  }

  @Test
  void tenantCallerGetsItsOwnTenantsAndCannotNameAnother() {
    Identity commerce = demo.authenticate("demo-commerce-token").orElseThrow();
    assertThat(ScopeResolver.resolve(commerce, null))
        .isEqualTo(Scope.tenants(Set.of("shop", "payments")));
    assertThat(ScopeResolver.resolve(commerce, "shop")).isEqualTo(Scope.tenants(Set.of("shop")));
    assertThat(ScopeResolver.resolve(commerce, "payments|shop"))
        .isEqualTo(Scope.tenants(Set.of("shop", "payments")));
    assertThatThrownBy(() -> ScopeResolver.resolve(commerce, "shop|search"))
        .isInstanceOf(AccessDeniedException.class)
        .hasMessage("tenant 'search' is not granted to commerce-lead")
        .extracting(e -> ((AccessDeniedException) e).kind())
        .isEqualTo(AccessDeniedException.Kind.FORBIDDEN);
    assertThatThrownBy(() -> ScopeResolver.resolve(commerce, "platform"))
        .hasMessage("tenant 'platform' is not granted to commerce-lead");
    assertThatThrownBy(() -> ScopeResolver.resolve(commerce, "shop|"))
        .hasMessage("empty tenant in X-Scope-OrgID 'shop|'");
  }

  @Test
  void sreSeesEverythingAndMayNarrow() {
    Identity sre = demo.authenticate("demo-sre-token").orElseThrow();
    assertThat(ScopeResolver.resolve(sre, null)).isEqualTo(Scope.everything());
    assertThat(ScopeResolver.resolve(sre, "platform|unassigned"))
        .isEqualTo(Scope.tenants(Set.of("platform", "unassigned")));
  }

  @Test
  void tokensFileErrorsNameFileAndLine() throws IOException {
    Path f = dir.resolve("tokens.yaml");
    Files.writeString(
        f,
        """
        tokens:
          - subject: a
            sha256: 0000000000000000000000000000000000000000000000000000000000000000
            tenants: [x]
          - subject: b
            sha256: abc
        """);
    assertThatThrownBy(() -> TokenAuthenticator.load(f))
        .isInstanceOf(ConfigFileException.class)
        .hasMessage(
            f + ":5: token of 'b': sha256 must be 64 hex digits (the SHA-256 of the token)");
    Files.writeString(
        f,
        """
        tokens:
          - subject: a
            sha256: 0000000000000000000000000000000000000000000000000000000000000000
            roles: [admin]
        """);
    assertThatThrownBy(() -> TokenAuthenticator.load(f))
        .isInstanceOf(ConfigFileException.class)
        .hasMessageContaining("unknown role 'admin' (known: tenant, sre)");
    Files.writeString(
        f,
        """
        tokens:
          - subject: a
            sha256: 0000000000000000000000000000000000000000000000000000000000000000
        """);
    assertThatThrownBy(() -> TokenAuthenticator.load(f))
        .hasMessage(f + ":2: token of 'a' has role tenant but no tenants");
  }
}
