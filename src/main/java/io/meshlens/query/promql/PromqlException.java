package io.meshlens.query.promql;

import java.util.Objects;

/**
 * A PromQL query that cannot be answered, with the {@code errorType} Prometheus' HTTP API would
 * report for it ({@code {"status":"error","errorType":...,"error":...}}).
 *
 * <p>The message is worded as Prometheus 2.42 words it, e.g. {@code 1:5: parse error: unexpected
 * end of input} or {@code found duplicate series for the match group ...}, so that API clients see
 * the same text as from a Prometheus server.
 */
public final class PromqlException extends RuntimeException {

  /** Malformed query or parameters: parse and type errors, bad step or resolution. */
  public static final String BAD_DATA = "bad_data";

  /** The query is valid but failed while running, e.g. duplicate series in a match group. */
  public static final String EXECUTION = "execution";

  /** The query ran longer than the engine's timeout. */
  public static final String TIMEOUT = "timeout";

  /** The query was cancelled (the calling thread was interrupted). */
  public static final String CANCELED = "canceled";

  /** The store failed while answering a selector. */
  public static final String INTERNAL = "internal";

  private final String errorType;

  public PromqlException(String errorType, String message) {
    super(message);
    this.errorType = Objects.requireNonNull(errorType, "errorType");
  }

  public PromqlException(String errorType, String message, Throwable cause) {
    super(message, cause);
    this.errorType = Objects.requireNonNull(errorType, "errorType");
  }

  /**
   * One of {@link #BAD_DATA}, {@link #EXECUTION}, {@link #TIMEOUT}, {@link #CANCELED}, {@link
   * #INTERNAL}.
   */
  public String errorType() {
    return errorType;
  }

  static PromqlException execution(String message) {
    return new PromqlException(EXECUTION, message);
  }

  static PromqlException badData(String message) {
    return new PromqlException(BAD_DATA, message);
  }
}
