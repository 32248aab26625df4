package io.meshlens.access;

import io.meshlens.access.AccessDeniedException.Kind;
import io.meshlens.config.MeshlensConfig;
import io.meshlens.store.Scope;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;

/**
 * The one way an HTTP request gets a {@link Scope}: authenticate the bearer token, then resolve
 * {@code X-Scope-OrgID} against what the caller was granted. Every data endpoint calls {@link
 * #scope}; store reads cannot happen without its result.
 */
@Startup
@ApplicationScoped
public class AccessControl {

  @Inject MeshlensConfig config;

  private TokenAuthenticator tokens;

  @PostConstruct
  void init() {
    tokens = TokenAuthenticator.load(Path.of(config.tokensFile()));
  }

  /**
   * @param authorization the {@code Authorization} header, may be null
   * @param orgId the {@code X-Scope-OrgID} header, may be null
   * @throws AccessDeniedException 401 without valid credentials, 403 for a tenant not granted
   */
  public Scope scope(String authorization, String orgId) {
    return ScopeResolver.resolve(authenticate(authorization), orgId);
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
    return tokens
        .authenticate(token)
        .orElseThrow(() -> new AccessDeniedException(Kind.UNAUTHENTICATED, "unknown token"));
  }
}
