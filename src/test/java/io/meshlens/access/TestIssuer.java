package io.meshlens.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small identity provider for tests: real RSA and EC keys, a real HTTP server on a free loopback
 * port serving the discovery document and the JWKS, and token signing with Nimbus. The JWKS served
 * can be changed (key rotation) and the fetches are counted.
 */
final class TestIssuer implements AutoCloseable {

  static final String AUDIENCE = "meshlens";

  final RSAKey rsa = rsaKey("rsa-1");
  final ECKey ec = ecKey("ec-1");

  private final HttpServer server;
  private final ConcurrentHashMap<String, AtomicInteger> hits = new ConcurrentHashMap<>();
  private volatile String jwks;
  private volatile String discoveryIssuer;
  private volatile int jwksStatus = 200;

  TestIssuer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    publish(rsa, ec);
    discoveryIssuer = issuer();
    server.createContext(
        "/realms/mesh/.well-known/openid-configuration",
        x ->
            answer(
                x,
                200,
                "{\"issuer\":\""
                    + discoveryIssuer
                    + "\",\"jwks_uri\":\""
                    + jwksUrl()
                    + "\",\"id_token_signing_alg_values_supported\":[\"RS256\",\"ES256\"]}"));
    server.createContext("/realms/mesh/keys", x -> answer(x, jwksStatus, jwks));
    server.start();
  }

  String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/realms/mesh";
  }

  String jwksUrl() {
    return issuer() + "/keys";
  }

  /** Serves these public keys from now on. */
  void publish(JWK... keys) {
    jwks = new JWKSet(List.of(keys)).toPublicJWKSet().toString();
  }

  /** The JWKS endpoint answers this status (with the current JWKS as body). */
  void jwksStatus(int status) {
    jwksStatus = status;
  }

  /** The issuer the discovery document names. */
  void discoveryIssuer(String issuer) {
    discoveryIssuer = issuer;
  }

  int jwksFetches() {
    return hits.getOrDefault("/realms/mesh/keys", new AtomicInteger()).get();
  }

  int discoveryFetches() {
    return hits.getOrDefault("/realms/mesh/.well-known/openid-configuration", new AtomicInteger())
        .get();
  }

  /** Claims of a token valid from {@code now} for 5 minutes, for this issuer and audience. */
  JWTClaimsSet.Builder claims(String subject, Instant now) {
    return new JWTClaimsSet.Builder()
        .issuer(issuer())
        .subject(subject)
        .audience(AUDIENCE)
        .issueTime(Date.from(now))
        .notBeforeTime(Date.from(now))
        .expirationTime(Date.from(now.plusSeconds(300)));
  }

  /** Signed with the RSA key (RS256). */
  String rs256(JWTClaimsSet claims) {
    return sign(rsa, JWSAlgorithm.RS256, claims);
  }

  /** Signed with the given key and algorithm, its key id in the header. */
  static String sign(JWK key, JWSAlgorithm alg, JWTClaimsSet claims) {
    try {
      JWSSigner signer =
          key instanceof RSAKey r ? new RSASSASigner(r) : new ECDSASigner((ECKey) key);
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(alg).keyID(key.getKeyID()).type(JOSEObjectType.JWT).build(),
              claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static RSAKey rsaKey(String kid) {
    try {
      return new RSAKeyGenerator(2048).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  static ECKey ecKey(String kid) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(kid).keyUse(KeyUse.SIGNATURE).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  private void answer(HttpExchange x, int status, String body) throws IOException {
    hits.computeIfAbsent(x.getRequestURI().getPath(), p -> new AtomicInteger()).incrementAndGet();
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().set("Content-Type", "application/json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
