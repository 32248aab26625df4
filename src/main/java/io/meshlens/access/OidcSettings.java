package io.meshlens.access;

import com.nimbusds.jose.JWSAlgorithm;
import io.meshlens.config.MeshlensConfig;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The checked form of {@code meshlens.oidc.*}: what {@link JwtAuthenticator} verifies tokens
 * against. Built by {@link #from}, which refuses settings that cannot be safe (HMAC or {@code none}
 * algorithms, a JWKS URL without an issuer) with a message naming the key.
 */
record OidcSettings(
    String issuer,
    Optional<URL> jwksUrl,
    Optional<String> audience,
    String subjectClaim,
    String tenantsClaim,
    String rolesClaim,
    String sreRole,
    Set<JWSAlgorithm> algorithms,
    Duration clockSkew,
    Duration jwksRefreshInterval,
    Duration jwksMinRefetchInterval,
    Duration jwksOutageTolerance) {

  /** Signature algorithms whose keys are public: RSA and EC. */
  private static final Set<JWSAlgorithm> ASYMMETRIC;

  static {
    Set<JWSAlgorithm> s = new LinkedHashSet<>();
    s.addAll(JWSAlgorithm.Family.RSA);
    s.addAll(JWSAlgorithm.Family.EC);
    ASYMMETRIC = Set.copyOf(s);
  }

  OidcSettings {
    Objects.requireNonNull(issuer, "issuer");
    Objects.requireNonNull(jwksUrl, "jwksUrl");
    url("meshlens.oidc.issuer", issuer);
    Objects.requireNonNull(audience, "audience");
    Objects.requireNonNull(subjectClaim, "subjectClaim");
    Objects.requireNonNull(tenantsClaim, "tenantsClaim");
    Objects.requireNonNull(rolesClaim, "rolesClaim");
    Objects.requireNonNull(sreRole, "sreRole");
    algorithms = Set.copyOf(algorithms);
    Objects.requireNonNull(clockSkew, "clockSkew");
    Objects.requireNonNull(jwksRefreshInterval, "jwksRefreshInterval");
    Objects.requireNonNull(jwksMinRefetchInterval, "jwksMinRefetchInterval");
    Objects.requireNonNull(jwksOutageTolerance, "jwksOutageTolerance");
    if (jwksRefreshInterval.compareTo(jwksMinRefetchInterval) < 0) {
      throw new IllegalArgumentException(
          "meshlens.oidc.jwks-refresh-interval ("
              + jwksRefreshInterval
              + ") must not be shorter than meshlens.oidc.jwks-min-refetch-interval ("
              + jwksMinRefetchInterval
              + ")");
    }
  }

  /**
   * The settings, or empty when {@code meshlens.oidc.issuer} is not set (JWTs then go to the tokens
   * file like any other token).
   *
   * @throws IllegalArgumentException for settings that cannot be used, naming the key
   */
  static Optional<OidcSettings> from(MeshlensConfig.Oidc c) {
    if (c.issuer().isEmpty() || c.issuer().get().isBlank()) {
      if (c.jwksUrl().isPresent() || c.audience().isPresent()) {
        throw new IllegalArgumentException(
            "meshlens.oidc.jwks-url and meshlens.oidc.audience need meshlens.oidc.issuer: JWTs"
                + " are only verified for a configured issuer");
      }
      return Optional.empty();
    }
    String issuer = c.issuer().get().trim();
    return Optional.of(
        new OidcSettings(
            issuer,
            c.jwksUrl().map(u -> url("meshlens.oidc.jwks-url", u.trim())),
            c.audience().map(String::trim).filter(a -> !a.isEmpty()),
            claimName("meshlens.oidc.subject-claim", c.subjectClaim()),
            claimName("meshlens.oidc.tenants-claim", c.tenantsClaim()),
            claimName("meshlens.oidc.roles-claim", c.rolesClaim()),
            claimName("meshlens.oidc.sre-role", c.sreRole()),
            algorithms(c.algorithms()),
            nonNegative("meshlens.oidc.clock-skew", c.clockSkew()),
            positive("meshlens.oidc.jwks-refresh-interval", c.jwksRefreshInterval()),
            nonNegative("meshlens.oidc.jwks-min-refetch-interval", c.jwksMinRefetchInterval()),
            nonNegative("meshlens.oidc.jwks-outage-tolerance", c.jwksOutageTolerance())));
  }

  /** The issuer's OIDC discovery document, which names the JWKS when no jwks-url is set. */
  URL discoveryUrl() {
    return url(
        "meshlens.oidc.issuer",
        (issuer.endsWith("/") ? issuer.substring(0, issuer.length() - 1) : issuer)
            + "/.well-known/openid-configuration");
  }

  static Set<JWSAlgorithm> algorithms(List<String> names) {
    Set<JWSAlgorithm> out = new LinkedHashSet<>();
    for (String name : names) {
      JWSAlgorithm alg = JWSAlgorithm.parse(name.trim());
      if (!ASYMMETRIC.contains(alg)) {
        throw new IllegalArgumentException(
            "meshlens.oidc.algorithms: '"
                + name.trim()
                + "' is not accepted: only RSA (RS256, RS384, RS512, PS256, PS384, PS512) and EC"
                + " (ES256, ES384, ES512) signatures are; 'none' and HMAC (HSxxx) never are");
      }
      out.add(alg);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("meshlens.oidc.algorithms: at least one is needed");
    }
    return out;
  }

  private static URL url(String key, String value) {
    try {
      URI uri = new URI(value);
      if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())
          || uri.getHost() == null) {
        throw new IllegalArgumentException(key + ": '" + value + "' is not an http(s) URL");
      }
      return uri.toURL();
    } catch (URISyntaxException | MalformedURLException e) {
      throw new IllegalArgumentException(key + ": '" + value + "' is not an http(s) URL", e);
    }
  }

  private static String claimName(String key, String value) {
    if (value.isBlank()) {
      throw new IllegalArgumentException(key + " must not be blank");
    }
    return value.trim();
  }

  private static Duration nonNegative(String key, Duration d) {
    if (d.isNegative()) {
      throw new IllegalArgumentException(key + " must not be negative: " + d);
    }
    return d;
  }

  private static Duration positive(String key, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " must be positive: " + d);
    }
    return d;
  }
}
