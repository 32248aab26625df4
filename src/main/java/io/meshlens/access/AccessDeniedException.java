package io.meshlens.access;

/**
 * A request that may not proceed: {@link Kind#UNAUTHENTICATED} (HTTP 401: no, unknown or invalid
 * credentials) or {@link Kind#FORBIDDEN} (HTTP 403: valid credentials, data not allowed).
 */
public final class AccessDeniedException extends RuntimeException {

  /** Why access was refused. */
  public enum Kind {
    UNAUTHENTICATED,
    FORBIDDEN
  }

  private final Kind kind;

  public AccessDeniedException(Kind kind, String message) {
    super(message, null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
