package io.meshlens.access;

import io.meshlens.config.MeshlensConfig;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** {@code meshlens.oidc.*} as tests set it, with the production defaults. */
final class OidcConfig implements MeshlensConfig.Oidc {

  Optional<String> issuer = Optional.empty();
  Optional<String> jwksUrl = Optional.empty();
  Optional<String> audience = Optional.empty();
  String subjectClaim = "sub";
  String tenantsClaim = "tenants";
  String rolesClaim = "roles";
  String sreRole = "sre";
  List<String> algorithms =
      List.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512");
  Duration clockSkew = Duration.ofSeconds(60);
  Duration jwksRefreshInterval = Duration.ofMinutes(5);
  Duration jwksMinRefetchInterval = Duration.ofSeconds(30);
  Duration jwksOutageTolerance = Duration.ofHours(1);

  /** The test issuer, its JWKS URL given explicitly, audience {@code meshlens}. */
  static OidcConfig of(TestIssuer idp) {
    OidcConfig c = new OidcConfig();
    c.issuer = Optional.of(idp.issuer());
    c.jwksUrl = Optional.of(idp.jwksUrl());
    c.audience = Optional.of(TestIssuer.AUDIENCE);
    return c;
  }

  OidcSettings settings() {
    return OidcSettings.from(this).orElseThrow();
  }

  @Override
  public Optional<String> issuer() {
    return issuer;
  }

  @Override
  public Optional<String> jwksUrl() {
    return jwksUrl;
  }

  @Override
  public Optional<String> audience() {
    return audience;
  }

  @Override
  public String subjectClaim() {
    return subjectClaim;
  }

  @Override
  public String tenantsClaim() {
    return tenantsClaim;
  }

  @Override
  public String rolesClaim() {
    return rolesClaim;
  }

  @Override
  public String sreRole() {
    return sreRole;
  }

  @Override
  public List<String> algorithms() {
    return algorithms;
  }

  @Override
  public Duration clockSkew() {
    return clockSkew;
  }

  @Override
  public Duration jwksRefreshInterval() {
    return jwksRefreshInterval;
  }

  @Override
  public Duration jwksMinRefetchInterval() {
    return jwksMinRefetchInterval;
  }

  @Override
  public Duration jwksOutageTolerance() {
    return jwksOutageTolerance;
  }
}
