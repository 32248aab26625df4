package io.meshlens.access;

import io.meshlens.store.Scope;
import jakarta.enterprise.context.RequestScoped;
import java.util.Optional;

/**
 * Who the current HTTP request was authenticated as and the {@link Scope} it was given, as {@link
 * AccessControl} decided: read after the request by the query audit (counts per tenant, the access
 * log line). Holds no credentials.
 */
@RequestScoped
public class RequestCaller {

  private Identity identity;
  private Scope scope;

  void authenticated(Identity identity) {
    this.identity = identity;
  }

  void scoped(Scope scope) {
    this.scope = scope;
  }

  /** The authenticated caller, empty when the request was not (yet) authenticated. */
  public Optional<Identity> identity() {
    return Optional.ofNullable(identity);
  }

  /** The scope the request read with, empty when none was granted. */
  public Optional<Scope> scope() {
    return Optional.ofNullable(scope);
  }
}
