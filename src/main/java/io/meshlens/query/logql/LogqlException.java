package io.meshlens.query.logql;

/**
 * A query Loki would refuse with HTTP 400: a parse error (worded as Loki words it, {@code parse
 * error at line 1, col 12: syntax error: unexpected }, expecting STRING}) or a limit reached.
 */
public final class LogqlException extends RuntimeException {

  public LogqlException(String message) {
    super(message, null, false, false);
  }

  /** A parse error at a 1-based column of a one-line query, in Loki's words. */
  static LogqlException parse(int col, String message) {
    return new LogqlException("parse error at line 1, col " + col + ": " + message);
  }

  /** A parse error Loki reports without a position ({@code parse error : ...}). */
  static LogqlException parse(String message) {
    return new LogqlException("parse error : " + message);
  }
}
