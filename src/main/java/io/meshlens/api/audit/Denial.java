package io.meshlens.api.audit;

import io.meshlens.access.AccessDeniedException;
import io.meshlens.api.ApiError;
import java.util.List;
import java.util.Optional;

/**
 * Why a data query was refused, the {@code reason} of {@code meshlens_query_denials_total}: a fixed
 * set, so the label's values never come from the request.
 */
public enum Denial {
  /** No, unknown or invalid credentials (HTTP 401). */
  UNAUTHENTICATED("unauthenticated"),
  /** Valid credentials, a tenant not granted (HTTP 403). */
  FORBIDDEN("forbidden"),
  /** A query or parameter the API cannot read (HTTP 400). */
  BAD_DATA("bad_data"),
  /** A query the engine refused while running it, e.g. a function's invalid argument (422). */
  EXECUTION("execution"),
  /** A query over a limit: samples, time, points per series, entries, series, lines. */
  LIMIT("limit");

  /**
   * How the engines word their limit errors: Prometheus' own texts (PromQL), Loki's (LogQL), and
   * the LogQL engine's scan limit. Matched on the error text because each API keeps its own error
   * types.
   */
  private static final List<String> LIMIT_MESSAGES =
      List.of(
          "query processing would load too many samples",
          "query timed out in ",
          "exceeded maximum resolution of ",
          "max entries limit per query exceeded",
          "maximum of series (",
          "the query would read more than ");

  private final String label;

  Denial(String label) {
    this.label = label;
  }

  /** The value of the {@code reason} label. */
  public String label() {
    return label;
  }

  /**
   * The denial an answer stands for, or empty when the query was answered (2xx), not found (404) or
   * failed on Meshlens' side (5xx other than a timeout).
   *
   * @param status the HTTP status of the answer
   * @param failure what the resource threw, null when it returned normally
   */
  public static Optional<Denial> of(int status, Throwable failure) {
    if (failure instanceof AccessDeniedException a) {
      return Optional.of(
          a.kind() == AccessDeniedException.Kind.UNAUTHENTICATED ? UNAUTHENTICATED : FORBIDDEN);
    }
    if (status == 401) {
      return Optional.of(UNAUTHENTICATED);
    }
    if (status == 403) {
      return Optional.of(FORBIDDEN);
    }
    if (failure != null && isLimit(failure)) {
      return Optional.of(LIMIT);
    }
    return switch (status) {
      case 400 -> Optional.of(BAD_DATA);
      case 422 -> Optional.of(EXECUTION);
      default -> Optional.empty();
    };
  }

  private static boolean isLimit(Throwable failure) {
    if (failure instanceof ApiError e && e.errorType().equals("timeout")) {
      return true;
    }
    String message = failure.getMessage();
    if (message == null) {
      return false;
    }
    for (String m : LIMIT_MESSAGES) {
      if (message.startsWith(m)) {
        return true;
      }
    }
    return false;
  }
}
