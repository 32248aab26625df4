package io.meshlens.access;

import io.meshlens.access.AccessDeniedException.Kind;
import io.meshlens.config.MeshlensConfig;
import io.meshlens.store.Scope;
import io.quarkus.arc.Arc;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The one way an HTTP request gets a {@link Scope}: authenticate the bearer token, then resolve
 * {@code X-Scope-OrgID} against what the caller was granted. Every data endpoint calls {@link
 * #scope}; store reads cannot happen without its result.
 *
 * <p>Bearer tokens are either OIDC JWTs ({@link JwtAuthenticator}, when {@code
 * meshlens.oidc.issuer} is set and the token has the JWT form) or looked up in the tokens file
 * ({@link TokenAuthenticator}).
 */
@Startup
@ApplicationScoped
public class AccessControl {

  private static final Logger LOG = Logger.getLogger(AccessControl.class);

  @Inject MeshlensConfig config;
  @Inject RequestCaller requestCaller;

  private TokenAuthenticator tokens;
  private Optional<JwtAuthenticator> jwts = Optional.empty();

  AccessControl() {}

  AccessControl(TokenAuthenticator tokens, Optional<JwtAuthenticator> jwts) {
    this.tokens = tokens;
    this.jwts = jwts;
  }

  @PostConstruct
  void init() {
    tokens = TokenAuthenticator.load(Path.of(config.tokensFile()));
    Optional<OidcSettings> oidc = OidcSettings.from(config.oidc());
    jwts = oidc.map(s -> JwtAuthenticator.create(s, Clock.systemUTC()));
    oidc.ifPresent(
        s ->
            LOG.infof(
                "bearer JWTs of %s are verified with the keys at %s",
                s.issuer(),
                s.jwksUrl().map(Object::toString).orElse("the jwks_uri of " + s.discoveryUrl())));
  }

  /**
   * @param authorization the {@code Authorization} header, may be null
   * @param orgId the {@code X-Scope-OrgID} header, may be null
   * @throws AccessDeniedException 401 without valid credentials, 403 for a tenant not granted
   */
  public Scope scope(String authorization, String orgId) {
    Identity identity = authenticate(authorization);
    RequestCaller caller = currentCaller();
    if (caller != null) {
      caller.authenticated(identity);
    }
    Scope scope = ScopeResolver.resolve(identity, orgId);
    if (caller != null) {
      caller.scoped(scope);
    }
    return scope;
  }

  /** Where the query audit reads the decision; null outside an HTTP request. */
  private RequestCaller currentCaller() {
    return requestCaller != null && Arc.container().requestContext().isActive()
        ? requestCaller
        : null;
  }

  public Identity authenticate(String authorization) {
    if (authorization == null || authorization.isBlank()) {
      throw new AccessDeniedException(Kind.UNAUTHENTICATED, "missing bearer token");
    }
    if (!authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      throw new AccessDeniedException(
          Kind.UNAUTHENTICATED, "unsupported authorization scheme: use 'Bearer <token>'");
    }
    String token = authorization.substring(7).trim();
    if (jwts.isPresent() && JwtAuthenticator.looksLikeJwt(token)) {
      return jwts.get().authenticate(token);
    }
    return tokens
        .authenticate(token)
        .orElseThrow(() -> new AccessDeniedException(Kind.UNAUTHENTICATED, "unknown token"));
  }
}
