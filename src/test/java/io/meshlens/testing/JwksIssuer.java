package io.meshlens.testing;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/**
 * An OIDC issuer for end-to-end tests: one RSA key, its JWKS served over real HTTP on a free
 * loopback port, and RS256 signing; plus the ways a token can be forged (another key, HMAC with the
 * public key, {@code alg: none}). As a test resource it names itself in {@code meshlens.oidc.*}.
 */
public final class JwksIssuer implements AutoCloseable {

  public static final String AUDIENCE = "meshlens";

  private final RSAKey key = rsaKey("escape-1");
  private final HttpServer server;

  public JwksIssuer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[] jwks =
        new JWKSet(List.of(key)).toPublicJWKSet().toString().getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/keys",
        x -> {
          x.getResponseHeaders().set("Content-Type", "application/json");
          x.sendResponseHeaders(200, jwks.length);
          try (OutputStream out = x.getResponseBody()) {
            out.write(jwks);
          }
        });
    server.start();
  }

  public String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/issuer";
  }

  public String jwksUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/keys";
  }

  /** Claims valid from now for five minutes, for this issuer and {@link #AUDIENCE}. */
  public JWTClaimsSet.Builder claims(String subject, List<String> tenants, List<String> roles) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .issuer(issuer())
        .subject(subject)
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)))
        .claim("tenants", tenants)
        .claim("roles", roles);
  }

  /** Signed with the issuer's key (RS256): a token Meshlens trusts if the claims are right. */
  public String sign(JWTClaimsSet claims) {
    return signWith(key, claims);
  }

  /** Signed with {@code other} under the issuer's key id. */
  public String signWithUntrustedKey(JWTClaimsSet claims) {
    return signWith(rsaKey(key.getKeyID()), claims);
  }

  /** HS256 with the issuer's public key as the shared secret (algorithm confusion). */
  public String signHmacWithPublicKey(JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.HS256)
                  .keyID(key.getKeyID())
                  .type(JOSEObjectType.JWT)
                  .build(),
              claims);
      jwt.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String signWith(RSAKey k, JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256)
                  .keyID(k.getKeyID())
                  .type(JOSEObjectType.JWT)
                  .build(),
              claims);
      jwt.sign(new RSASSASigner(k));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }

  /** Starts an issuer for a Quarkus test and points {@code meshlens.oidc.*} at it. */
  public static final class Resource implements QuarkusTestResourceLifecycleManager {
    private static JwksIssuer issuer;

    /** The running issuer. */
    public static JwksIssuer issuer() {
      return issuer;
    }

    @Override
    public Map<String, String> start() {
      issuer = new JwksIssuer();
      return Map.of(
          "meshlens.oidc.issuer", issuer.issuer(),
          "meshlens.oidc.jwks-url", issuer.jwksUrl(),
          "meshlens.oidc.audience", AUDIENCE);
    }

    @Override
    public void stop() {
      if (issuer != null) {
        issuer.close();
      }
    }
  }
}
