package io.meshlens.access;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.BadJWSException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.meshlens.access.AccessDeniedException.Kind;
import java.security.Key;
import java.text.ParseException;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Verifies OIDC bearer JWTs and turns their claims into an {@link Identity}.
 *
 * <p>Signature checking is Nimbus JOSE+JWT's ({@link DefaultJWTProcessor} with a {@link
 * JWSVerificationKeySelector} over the issuer's JWKS); this class decides what is accepted: only
 * the configured asymmetric algorithms (so neither {@code alg: none} nor an HMAC signature made
 * with a public key as the secret can pass), {@code iss} equal to the issuer, {@code exp} required
 * and, like {@code nbf}, checked with the clock skew, {@code aud} when an audience is configured.
 * Every refusal is a 401 whose message says why without repeating the token.
 */
final class JwtAuthenticator {

  /** JWS compact serialisation: three base64url parts (the signature is empty for alg none). */
  private static final Pattern JWS_COMPACT =
      Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

  /** {@code typ} values of access and ID tokens (RFC 9068 uses at+jwt); absent is fine too. */
  private static final Set<String> TOKEN_TYPES = Set.of("jwt", "at+jwt", "application/at+jwt");

  private final OidcSettings settings;
  private final Clock clock;
  private final DefaultJWTProcessor<SecurityContext> processor;

  JwtAuthenticator(OidcSettings settings, JWKSource<SecurityContext> keys, Clock clock) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.clock = Objects.requireNonNull(clock, "clock");
    JWSVerificationKeySelector<SecurityContext> selector =
        new JWSVerificationKeySelector<>(settings.algorithms(), keys);
    processor = new DefaultJWTProcessor<>();
    processor.setJWSTypeVerifier((type, context) -> checkType(type));
    processor.setJWSKeySelector(
        (header, context) -> {
          List<? extends Key> found = selector.selectJWSKeys(header, context);
          if (found.isEmpty()) {
            throw new UnknownKeyException(header);
          }
          return found;
        });
    processor.setJWTClaimsSetVerifier((claims, context) -> checkClaims(claims));
  }

  /** With the issuer's keys fetched over HTTP(S). */
  static JwtAuthenticator create(OidcSettings settings, Clock clock) {
    return new JwtAuthenticator(settings, new IssuerKeys(settings, clock), clock);
  }

  /**
   * Whether a bearer token has the JWT form and so is for this class rather than the tokens file.
   */
  static boolean looksLikeJwt(String token) {
    return JWS_COMPACT.matcher(token).matches();
  }

  /**
   * The identity the token's claims describe.
   *
   * @throws AccessDeniedException {@link Kind#UNAUTHENTICATED} when the token cannot be trusted
   */
  Identity authenticate(String token) {
    JWT jwt;
    try {
      jwt = JWTParser.parse(token);
    } catch (ParseException e) {
      throw invalid("malformed (the header is not a base64url JSON object with an alg)");
    }
    if (jwt instanceof PlainJWT) {
      throw invalid("unsigned tokens (alg none) are not accepted");
    }
    if (!(jwt instanceof SignedJWT signed)) {
      throw invalid("only signed tokens are accepted");
    }
    JWSAlgorithm alg = signed.getHeader().getAlgorithm();
    if (!settings.algorithms().contains(alg)) {
      throw invalid(
          "algorithm "
              + printable(alg.getName())
              + " is not accepted (accepted: "
              + settings.algorithms().stream()
                  .map(JWSAlgorithm::getName)
                  .sorted()
                  .collect(Collectors.joining(", "))
              + ")");
    }
    JWTClaimsSet claims;
    try {
      claims = signed.getJWTClaimsSet();
    } catch (ParseException e) {
      throw invalid("malformed (the payload is not a JSON object of JWT claims)");
    }
    try {
      processor.process(signed, null);
    } catch (UnknownKeyException e) {
      throw invalid(e.getMessage());
    } catch (BadJWSException e) {
      throw invalid("bad signature");
    } catch (BadJWTException e) {
      throw invalid(e.getMessage()); // ours, from checkClaims
    } catch (BadJOSEException e) {
      throw invalid(e.getMessage()); // ours, from checkType
    } catch (KeySourceException e) {
      throw new AccessDeniedException(
          Kind.UNAUTHENTICATED,
          "cannot verify JWT: the signing keys (JWKS) of "
              + settings.issuer()
              + " are unavailable");
    } catch (JOSEException e) {
      throw invalid("cannot verify the signature: " + e.getMessage());
    }
    return identity(claims);
  }

  private Identity identity(JWTClaimsSet claims) {
    Map<String, Object> all = claims.getClaims();
    Object subject = claim(all, settings.subjectClaim());
    if (!(subject instanceof String s) || s.isBlank()) {
      throw invalid(
          subject == null
              ? "no '" + settings.subjectClaim() + "' claim"
              : "claim '" + settings.subjectClaim() + "' must be a string");
    }
    Set<String> tenants = values(all, settings.tenantsClaim());
    Set<Role> roles = EnumSet.of(Role.TENANT);
    if (values(all, settings.rolesClaim()).contains(settings.sreRole())) {
      roles.add(Role.SRE);
    }
    return new Identity(s, tenants, roles);
  }

  private static void checkType(JOSEObjectType type) throws BadJOSEException {
    if (type != null && !TOKEN_TYPES.contains(type.getType().toLowerCase(Locale.ROOT))) {
      throw new BadJOSEException(
          "token type (typ) " + printable(type.getType()) + " is not accepted (JWT or at+jwt)");
    }
  }

  private void checkClaims(JWTClaimsSet claims) throws BadJWTException {
    Instant now = clock.instant();
    Date exp = claims.getExpirationTime();
    if (exp == null) {
      throw new BadJWTException("no 'exp' claim: tokens without an expiry are not accepted");
    }
    if (now.isAfter(exp.toInstant().plus(settings.clockSkew()))) {
      throw new BadJWTException("expired at " + exp.toInstant());
    }
    Date nbf = claims.getNotBeforeTime();
    if (nbf != null && now.isBefore(nbf.toInstant().minus(settings.clockSkew()))) {
      throw new BadJWTException("not valid before " + nbf.toInstant());
    }
    String iss = claims.getIssuer();
    if (!settings.issuer().equals(iss)) {
      throw new BadJWTException(
          iss == null
              ? "no 'iss' claim"
              : "issuer " + printable(iss) + " is not " + printable(settings.issuer()));
    }
    if (settings.audience().isPresent()) {
      String expected = settings.audience().get();
      List<String> aud = claims.getAudience();
      if (!aud.contains(expected)) {
        throw new BadJWTException(
            aud.isEmpty()
                ? "no 'aud' claim (expected " + printable(expected) + ")"
                : "audience "
                    + aud.stream().map(JwtAuthenticator::printable).toList()
                    + " does not include "
                    + printable(expected));
      }
    }
  }

  /**
   * A claim by name; a dotted name that is not a top-level claim is a path into nested objects
   * ({@code realm_access.roles}).
   */
  static Object claim(Map<String, Object> claims, String name) {
    if (claims.containsKey(name) || name.indexOf('.') < 0) {
      return claims.get(name);
    }
    Object at = claims;
    for (String part : name.split("\\.")) {
      if (!(at instanceof Map<?, ?> m)) {
        return null;
      }
      at = m.get(part);
    }
    return at;
  }

  /** A claim holding a JSON array of strings or one string separated by spaces or commas. */
  static Set<String> values(Map<String, Object> claims, String name) {
    Object v = claim(claims, name);
    Set<String> out = new LinkedHashSet<>();
    if (v == null) {
      return out;
    }
    if (v instanceof String s) {
      for (String part : s.split("[\\s,]+")) {
        if (!part.isEmpty()) {
          out.add(part);
        }
      }
      return out;
    }
    if (v instanceof List<?> list) {
      for (Object o : list) {
        if (!(o instanceof String s)) {
          throw invalid("claim '" + name + "' must be a string or an array of strings");
        }
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
      return out;
    }
    throw invalid("claim '" + name + "' must be a string or an array of strings");
  }

  private static AccessDeniedException invalid(String reason) {
    return new AccessDeniedException(Kind.UNAUTHENTICATED, "invalid JWT: " + reason);
  }

  /** A value from the token, quoted, cut short and stripped of control characters. */
  private static String printable(String s) {
    String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "'" + cut.replaceAll("\\p{Cntrl}", "?") + "'";
  }

  /** The JWKS, fetched again if allowed, has no key for the token's key id and algorithm. */
  private static final class UnknownKeyException extends KeySourceException {
    UnknownKeyException(JWSHeader header) {
      super(
          (header.getKeyID() == null ? "no key" : "no key " + printable(header.getKeyID()))
              + " for "
              + header.getAlgorithm().getName()
              + " in the issuer's JWKS");
    }
  }
}
