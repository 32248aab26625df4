package io.meshlens.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.meshlens.access.AccessDeniedException.Kind;
import io.meshlens.store.Scope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * OIDC bearer JWTs against a real identity provider stand-in: real RSA and EC keys, the JWKS and
 * discovery document served over HTTP by {@link TestIssuer}, tokens signed by Nimbus.
 */
class JwtAuthenticatorTest {

  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private final TestIssuer idp = new TestIssuer();
  private final MutableClock clock = new MutableClock(NOW);
  private final OidcConfig config = OidcConfig.of(idp);

  @AfterEach
  void stopIssuer() {
    idp.close();
  }

  private JwtAuthenticator authenticator() {
    return JwtAuthenticator.create(config.settings(), clock);
  }

  private JWTClaimsSet.Builder claims(String subject) {
    return idp.claims(subject, NOW);
  }

  private static void assertRejected(JwtAuthenticator auth, String token, String message) {
    assertThatThrownBy(() -> auth.authenticate(token))
        .isInstanceOf(AccessDeniedException.class)
        .hasMessage(message)
        .satisfies(
            e -> {
              assertThat(((AccessDeniedException) e).kind()).isEqualTo(Kind.UNAUTHENTICATED);
              for (String part : token.split("\\.")) {
                if (part.length() > 8) {
                  assertThat(e.getMessage()).doesNotContain(part);
                }
              }
            });
  }

  @Test
  void validTenantTokenBecomesAnIdentityScopedToItsTenants() {
    JwtAuthenticator auth = authenticator();
    Identity alice =
        auth.authenticate(idp.rs256(claims("alice").claim("tenants", List.of("shop")).build()));
    assertThat(alice).isEqualTo(new Identity("alice", Set.of("shop"), Set.of(Role.TENANT)));
    assertThat(ScopeResolver.resolve(alice, null)).isEqualTo(Scope.tenants(Set.of("shop")));
    assertThatThrownBy(() -> ScopeResolver.resolve(alice, "payments"))
        .isInstanceOf(AccessDeniedException.class)
        .hasMessage("tenant 'payments' is not granted to alice")
        .extracting(e -> ((AccessDeniedException) e).kind())
        .isEqualTo(Kind.FORBIDDEN);
    assertThat(idp.jwksFetches()).isEqualTo(1);
    assertThat(idp.discoveryFetches()).isZero();
  }

  @Test
  void es256TokensAreVerifiedWithTheEcKey() {
    String token =
        TestIssuer.sign(
            idp.ec, JWSAlgorithm.ES256, claims("bob").claim("tenants", "payments").build());
    assertThat(authenticator().authenticate(token))
        .isEqualTo(new Identity("bob", Set.of("payments"), Set.of(Role.TENANT)));
  }

  @Test
  void sreRoleSeesEverythingAndNoTenantNoSreIsForbidden() {
    JwtAuthenticator auth = authenticator();
    Identity sre =
        auth.authenticate(idp.rs256(claims("oncall").claim("roles", List.of("sre")).build()));
    assertThat(sre.isSre()).isTrue();
    assertThat(ScopeResolver.resolve(sre, null)).isEqualTo(Scope.everything());
    assertThat(ScopeResolver.resolve(sre, "platform")).isEqualTo(Scope.tenants(Set.of("platform")));

    Identity nobody =
        auth.authenticate(idp.rs256(claims("nobody").claim("roles", List.of("admin")).build()));
    assertThat(nobody).isEqualTo(new Identity("nobody", Set.of(), Set.of(Role.TENANT)));
    assertThatThrownBy(() -> ScopeResolver.resolve(nobody, null))
        .hasMessage("no tenant granted to nobody")
        .extracting(e -> ((AccessDeniedException) e).kind())
        .isEqualTo(Kind.FORBIDDEN);
  }

  @Test
  void expiredTokenIsRejectedOnlyPastTheClockSkew() {
    JwtAuthenticator auth = authenticator();
    assertRejected(
        auth,
        idp.rs256(claims("alice").expirationTime(Date.from(NOW.minusSeconds(61))).build()),
        "invalid JWT: expired at 2026-03-01T11:58:59Z");
    assertThat(
            auth.authenticate(
                idp.rs256(claims("alice").expirationTime(Date.from(NOW.minusSeconds(59))).build())))
        .extracting(Identity::subject)
        .isEqualTo("alice");
    assertRejected(
        auth,
        idp.rs256(claims("alice").expirationTime(null).build()),
        "invalid JWT: no 'exp' claim: tokens without an expiry are not accepted");
  }

  @Test
  void tokenNotYetValidIsRejectedOnlyPastTheClockSkew() {
    JwtAuthenticator auth = authenticator();
    assertRejected(
        auth,
        idp.rs256(claims("alice").notBeforeTime(Date.from(NOW.plusSeconds(120))).build()),
        "invalid JWT: not valid before 2026-03-01T12:02:00Z");
    assertThat(
            auth.authenticate(
                idp.rs256(claims("alice").notBeforeTime(Date.from(NOW.plusSeconds(30))).build())))
        .extracting(Identity::subject)
        .isEqualTo("alice");
  }

  @Test
  void wrongOrMissingIssuerIsRejected() {
    JwtAuthenticator auth = authenticator();
    assertRejected(
        auth,
        idp.rs256(claims("alice").issuer("https://evil.example/realms/mesh").build()),
        "invalid JWT: issuer 'https://evil.example/realms/mesh' is not '" + idp.issuer() + "'");
    assertRejected(
        auth, idp.rs256(claims("alice").issuer(null).build()), "invalid JWT: no 'iss' claim");
  }

  @Test
  void wrongOrMissingAudienceIsRejectedWhenAnAudienceIsConfigured() {
    JwtAuthenticator auth = authenticator();
    assertRejected(
        auth,
        idp.rs256(claims("alice").audience(List.of("grafana", "kiali")).build()),
        "invalid JWT: audience ['grafana', 'kiali'] does not include 'meshlens'");
    assertRejected(
        auth,
        idp.rs256(claims("alice").audience((String) null).build()),
        "invalid JWT: no 'aud' claim (expected 'meshlens')");
    assertThat(
            auth.authenticate(
                idp.rs256(claims("alice").audience(List.of("grafana", "meshlens")).build())))
        .extracting(Identity::subject)
        .isEqualTo("alice");

    config.audience = Optional.empty();
    assertThat(authenticator().authenticate(idp.rs256(claims("alice").audience("grafana").build())))
        .extracting(Identity::subject)
        .isEqualTo("alice");
  }

  @Test
  void tokenSignedByAKeyNotInTheJwksIsRejected() throws JOSEException {
    JwtAuthenticator auth = authenticator();
    JWTClaimsSet c = claims("mallory").claim("roles", "sre").build();
    // Same key id as the issuer's key, different key.
    assertRejected(
        auth,
        TestIssuer.sign(TestIssuer.rsaKey("rsa-1"), JWSAlgorithm.RS256, c),
        "invalid JWT: bad signature");
    assertRejected(
        auth,
        TestIssuer.sign(TestIssuer.rsaKey("rsa-evil"), JWSAlgorithm.RS256, c),
        "invalid JWT: no key 'rsa-evil' for RS256 in the issuer's JWKS");
    // The attacker's public key embedded in the header is never used: keys come from the JWKS.
    RSAKey attacker = TestIssuer.rsaKey("rsa-1");
    SignedJWT embedded =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID("rsa-1")
                .jwk(attacker.toPublicJWK())
                .build(),
            c);
    embedded.sign(new RSASSASigner(attacker));
    assertRejected(auth, embedded.serialize(), "invalid JWT: bad signature");
    // The EC key id with an RSA algorithm: no RSA key of that id.
    assertRejected(
        auth,
        TestIssuer.sign(TestIssuer.rsaKey("ec-1"), JWSAlgorithm.RS256, c),
        "invalid JWT: no key 'ec-1' for RS256 in the issuer's JWKS");
  }

  @Test
  void tamperedPayloadFailsTheSignature() {
    String token = idp.rs256(claims("alice").claim("tenants", List.of("shop")).build());
    String[] parts = token.split("\\.");
    String forgedPayload =
        claims("alice")
            .claim("tenants", List.of("shop"))
            .claim("roles", List.of("sre"))
            .build()
            .toPayload()
            .toBase64URL()
            .toString();
    assertRejected(
        authenticator(),
        parts[0] + "." + forgedPayload + "." + parts[2],
        "invalid JWT: bad signature");
  }

  @Test
  void unsignedAlgNoneTokenIsRejected() {
    String payload =
        claims("mallory").claim("roles", "sre").build().toPayload().toBase64URL().toString();
    String header = Base64URL.encode("{\"alg\":\"none\"}").toString();
    JwtAuthenticator auth = authenticator();
    assertRejected(
        auth,
        header + "." + payload + ".",
        "invalid JWT: unsigned tokens (alg none) are not accepted");
    // alg none with a signature part copied from a real token does not parse as a JWT at all.
    String real = idp.rs256(claims("alice").build());
    assertRejected(
        auth,
        header + "." + payload + "." + real.split("\\.")[2],
        "invalid JWT: malformed (the header is not a base64url JSON object with an alg)");
    assertThat(idp.jwksFetches()).isZero();
  }

  @Test
  void hmacTokenSignedWithThePublicKeyAsSecretIsRejected() throws JOSEException {
    // Algorithm confusion: the public key (which anyone can fetch) used as an HMAC secret.
    RSAKey published = idp.rsa.toPublicJWK();
    JWTClaimsSet c = claims("mallory").claim("roles", "sre").build();
    for (byte[] secret :
        List.of(
            published.toRSAPublicKey().getEncoded(),
            published.toJSONString().getBytes(StandardCharsets.UTF_8))) {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.HS256)
                  .keyID("rsa-1")
                  .type(JOSEObjectType.JWT)
                  .build(),
              c);
      jwt.sign(new MACSigner(secret));
      assertRejected(
          authenticator(),
          jwt.serialize(),
          "invalid JWT: algorithm 'HS256' is not accepted (accepted: ES256, ES384, ES512, PS256,"
              + " PS384, PS512, RS256, RS384, RS512)");
    }
    // And HMAC cannot be configured in.
    config.algorithms = List.of("RS256", "HS256");
    assertThatThrownBy(config::settings)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "meshlens.oidc.algorithms: 'HS256' is not accepted: only RSA (RS256, RS384, RS512,"
                + " PS256, PS384, PS512) and EC (ES256, ES384, ES512) signatures are; 'none' and"
                + " HMAC (HSxxx) never are");
  }

  @Test
  void algorithmOutsideTheConfiguredListIsRejected() {
    config.algorithms = List.of("RS256");
    String es256 = TestIssuer.sign(idp.ec, JWSAlgorithm.ES256, claims("bob").build());
    assertRejected(
        authenticator(), es256, "invalid JWT: algorithm 'ES256' is not accepted (accepted: RS256)");
  }

  @Test
  void unknownKeyIdRefetchesTheJwksAtMostOncePerIntervalAndPicksUpARotatedKey() {
    JwtAuthenticator auth = authenticator();
    auth.authenticate(idp.rs256(claims("alice").build()));
    assertThat(idp.jwksFetches()).isEqualTo(1);

    // The issuer rotates to a new key.
    RSAKey rotated = TestIssuer.rsaKey("rsa-2");
    idp.publish(rotated, idp.ec);
    clock.advance(Duration.ofSeconds(31));
    JWTClaimsSet c = idp.claims("alice", clock.instant()).build();
    assertThat(auth.authenticate(TestIssuer.sign(rotated, JWSAlgorithm.RS256, c)).subject())
        .isEqualTo("alice");
    assertThat(idp.jwksFetches()).isEqualTo(2);

    // Another unknown key id right after: not fetched again.
    RSAKey next = TestIssuer.rsaKey("rsa-3");
    idp.publish(rotated, next);
    clock.advance(Duration.ofSeconds(10));
    String byNext = TestIssuer.sign(next, JWSAlgorithm.RS256, c);
    assertRejected(auth, byNext, "invalid JWT: no key 'rsa-3' for RS256 in the issuer's JWKS");
    assertThat(idp.jwksFetches()).isEqualTo(2);

    // 30 s after the last fetch it is.
    clock.advance(Duration.ofSeconds(20));
    assertThat(auth.authenticate(byNext).subject()).isEqualTo("alice");
    assertThat(idp.jwksFetches()).isEqualTo(3);
    // The retired key is gone.
    assertRejected(
        auth, idp.rs256(c), "invalid JWT: no key 'rsa-1' for RS256 in the issuer's JWKS");
    assertThat(idp.jwksFetches()).isEqualTo(3);
  }

  @Test
  void jwksIsFetchedAgainAfterTheRefreshInterval() {
    JwtAuthenticator auth = authenticator();
    String token =
        idp.rs256(claims("alice").expirationTime(Date.from(NOW.plusSeconds(900))).build());
    auth.authenticate(token);
    clock.advance(Duration.ofMinutes(4));
    auth.authenticate(token);
    assertThat(idp.jwksFetches()).isEqualTo(1);
    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    auth.authenticate(token);
    assertThat(idp.jwksFetches()).isEqualTo(2);
  }

  @Test
  void lastKeysStayInUseWhileTheJwksIsUnreachableForTheOutageTolerance() {
    JwtAuthenticator auth = authenticator();
    auth.authenticate(idp.rs256(claims("alice").build()));
    idp.jwksStatus(503);
    clock.advance(Duration.ofMinutes(30));
    assertThat(auth.authenticate(idp.rs256(idp.claims("alice", clock.instant()).build())).subject())
        .isEqualTo("alice");
    assertThat(idp.jwksFetches()).isEqualTo(2);
    clock.advance(Duration.ofMinutes(31));
    assertRejected(
        auth,
        idp.rs256(idp.claims("alice", clock.instant()).build()),
        "cannot verify JWT: the signing keys (JWKS) of " + idp.issuer() + " are unavailable");
  }

  @Test
  void unreachableJwksIs401AndIsRetriedAfterTheMinimumInterval() {
    idp.jwksStatus(500);
    JwtAuthenticator auth = authenticator();
    String token = idp.rs256(claims("alice").build());
    String unavailable =
        "cannot verify JWT: the signing keys (JWKS) of " + idp.issuer() + " are unavailable";
    assertRejected(auth, token, unavailable);
    assertRejected(auth, token, unavailable);
    assertThat(idp.jwksFetches()).isEqualTo(1);
    idp.jwksStatus(200);
    clock.advance(Duration.ofSeconds(30));
    assertThat(auth.authenticate(token).subject()).isEqualTo("alice");
    assertThat(idp.jwksFetches()).isEqualTo(2);
  }

  @Test
  void withoutJwksUrlTheDiscoveryDocumentNamesIt() {
    config.jwksUrl = Optional.empty();
    JwtAuthenticator auth = authenticator();
    String token = idp.rs256(claims("alice").claim("tenants", "shop").build());
    auth.authenticate(token);
    auth.authenticate(token);
    assertThat(idp.discoveryFetches()).isEqualTo(1);
    assertThat(idp.jwksFetches()).isEqualTo(1);
  }

  @Test
  void discoveryDocumentOfAnotherIssuerIsNotTrusted() {
    config.jwksUrl = Optional.empty();
    idp.discoveryIssuer("https://other.example");
    assertRejected(
        authenticator(),
        idp.rs256(claims("alice").build()),
        "cannot verify JWT: the signing keys (JWKS) of " + idp.issuer() + " are unavailable");
    assertThat(idp.jwksFetches()).isZero();
  }

  @Test
  void malformedTokensAreRejectedWithoutEchoingThem() {
    JwtAuthenticator auth = authenticator();
    String header = Base64URL.encode("{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}").toString();
    String signature = idp.rs256(claims("alice").build()).split("\\.")[2];
    String malformedHeader =
        "invalid JWT: malformed (the header is not a base64url JSON object with an alg)";
    assertRejected(auth, "abc.def.ghi", malformedHeader);
    assertRejected(
        auth, Base64URL.encode("{\"typ\":\"JWT\"}") + ".e30." + signature, malformedHeader);
    assertRejected(
        auth,
        header + "." + Base64URL.encode("not json at all") + "." + signature,
        "invalid JWT: malformed (the payload is not a JSON object of JWT claims)");
    assertRejected(
        auth,
        header + "." + Base64URL.encode("{\"exp\":\"tomorrow\"}") + "." + signature,
        "invalid JWT: malformed (the payload is not a JSON object of JWT claims)");
    assertThat(idp.jwksFetches()).isZero();

    assertThat(JwtAuthenticator.looksLikeJwt("abc.def.ghi")).isTrue();
    assertThat(JwtAuthenticator.looksLikeJwt("abc.def.")).isTrue();
    assertThat(JwtAuthenticator.looksLikeJwt("demo-shop-token")).isFalse();
    assertThat(JwtAuthenticator.looksLikeJwt("abc.def")).isFalse();
    assertThat(JwtAuthenticator.looksLikeJwt("a.b.c.d.e")).isFalse();
    assertThat(JwtAuthenticator.looksLikeJwt("abc.d=f.ghi")).isFalse();
    assertThat(JwtAuthenticator.looksLikeJwt(".def.ghi")).isFalse();
  }

  @Test
  void claimsAsArraySpaceOrCommaSeparatedStringOrNestedPath() {
    JwtAuthenticator auth = authenticator();
    Identity array =
        auth.authenticate(
            idp.rs256(claims("a").claim("tenants", List.of("shop", "payments")).build()));
    Identity spaces =
        auth.authenticate(idp.rs256(claims("a").claim("tenants", " shop  payments ").build()));
    Identity commas =
        auth.authenticate(idp.rs256(claims("a").claim("tenants", "shop,payments").build()));
    assertThat(List.of(array, spaces, commas))
        .allSatisfy(i -> assertThat(i.tenants()).isEqualTo(Set.of("shop", "payments")));

    // Keycloak puts realm roles under realm_access.roles; other issuers use URL-named claims.
    config.rolesClaim = "realm_access.roles";
    config.tenantsClaim = "https://meshlens.io/tenants";
    config.subjectClaim = "preferred_username";
    config.sreRole = "mesh-sre";
    Identity keycloak =
        authenticator()
            .authenticate(
                idp.rs256(
                    claims("f3a9-uuid")
                        .claim("preferred_username", "carol")
                        .claim("realm_access", Map.of("roles", List.of("offline", "mesh-sre")))
                        .claim("https://meshlens.io/tenants", "search")
                        .build()));
    assertThat(keycloak)
        .isEqualTo(new Identity("carol", Set.of("search"), Set.of(Role.TENANT, Role.SRE)));
  }

  @Test
  void unusableSubjectOrTenantsClaimIsRejected() {
    JwtAuthenticator auth = authenticator();
    assertRejected(auth, idp.rs256(claims(null).build()), "invalid JWT: no 'sub' claim");
    assertRejected(
        auth,
        idp.rs256(claims("a").claim("tenants", List.of("shop", 7)).build()),
        "invalid JWT: claim 'tenants' must be a string or an array of strings");
    assertRejected(
        auth,
        idp.rs256(claims("a").claim("roles", Map.of("sre", true)).build()),
        "invalid JWT: claim 'roles' must be a string or an array of strings");
    config.subjectClaim = "uid";
    assertRejected(
        authenticator(),
        idp.rs256(claims("a").claim("uid", 42).build()),
        "invalid JWT: claim 'uid' must be a string");
  }

  @Test
  void accessTokenTypesAreAcceptedOtherTypesAreNot() throws JOSEException {
    JwtAuthenticator auth = authenticator();
    JWTClaimsSet c = claims("alice").build();
    for (String typ : List.of("at+jwt", "application/at+jwt", "JWT")) {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256)
                  .keyID("rsa-1")
                  .type(new JOSEObjectType(typ))
                  .build(),
              c);
      jwt.sign(new RSASSASigner(idp.rsa));
      assertThat(auth.authenticate(jwt.serialize()).subject()).as(typ).isEqualTo("alice");
    }
    SignedJWT logout =
        new SignedJWT(
            new JWSHeader.Builder(JWSAlgorithm.RS256)
                .keyID("rsa-1")
                .type(new JOSEObjectType("logout+jwt"))
                .build(),
            c);
    logout.sign(new RSASSASigner(idp.rsa));
    assertRejected(
        auth,
        logout.serialize(),
        "invalid JWT: token type (typ) 'logout+jwt' is not accepted (JWT or at+jwt)");
  }

  @Test
  void accessControlSendsJwtsToOidcAndOtherTokensToTheTokensFile() {
    TokenAuthenticator tokens = TokenAuthenticator.load(Path.of("config/tokens.yaml"));
    String jwt = idp.rs256(claims("alice").claim("tenants", List.of("shop")).build());

    AccessControl withOidc = new AccessControl(tokens, Optional.of(authenticator()));
    assertThat(withOidc.scope("Bearer " + jwt, null)).isEqualTo(Scope.tenants(Set.of("shop")));
    assertThat(withOidc.authenticate("Bearer demo-shop-token").subject()).isEqualTo("shop-team");
    assertThatThrownBy(() -> withOidc.authenticate("Bearer not.a-jwt")).hasMessage("unknown token");
    assertThatThrownBy(() -> withOidc.scope("Bearer " + jwt, "payments"))
        .hasMessage("tenant 'payments' is not granted to alice");

    // OIDC not configured: a JWT is just another token to look up.
    AccessControl withoutOidc = new AccessControl(tokens, Optional.empty());
    assertThatThrownBy(() -> withoutOidc.authenticate("Bearer " + jwt)).hasMessage("unknown token");
    assertThat(idp.jwksFetches()).isEqualTo(1);
  }

  @Test
  void unusableSettingsFailStartUpNamingTheKey() {
    OidcConfig off = new OidcConfig();
    assertThat(OidcSettings.from(off)).isEmpty();
    off.jwksUrl = Optional.of(idp.jwksUrl());
    assertThatThrownBy(() -> OidcSettings.from(off))
        .hasMessage(
            "meshlens.oidc.jwks-url and meshlens.oidc.audience need meshlens.oidc.issuer: JWTs"
                + " are only verified for a configured issuer");
    config.issuer = Optional.of("idp.example.com");
    assertThatThrownBy(config::settings)
        .hasMessage("meshlens.oidc.issuer: 'idp.example.com' is not an http(s) URL");
    config.issuer = Optional.of(idp.issuer());
    config.algorithms = List.of("none");
    assertThatThrownBy(config::settings)
        .hasMessageStartingWith("meshlens.oidc.algorithms: 'none' is not accepted");
    config.algorithms = List.of("RS256");
    config.jwksRefreshInterval = Duration.ofSeconds(10);
    assertThatThrownBy(config::settings)
        .hasMessage(
            "meshlens.oidc.jwks-refresh-interval (PT10S) must not be shorter than"
                + " meshlens.oidc.jwks-min-refetch-interval (PT30S)");
  }
}
