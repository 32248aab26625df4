package io.meshlens.api.jaeger;

/**
 * A Jaeger API request that fails with an HTTP status and a message, answered in Jaeger's error
 * shape: {@code {"data":null,"total":0,"limit":0,"offset":0,"errors":[{"code":400,"msg":"..."}]}}.
 */
final class JaegerApiException extends RuntimeException {

  private final int status;

  JaegerApiException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static JaegerApiException badRequest(String message) {
    return new JaegerApiException(400, message);
  }

  static JaegerApiException traceNotFound() {
    return new JaegerApiException(404, "trace not found");
  }

  int status() {
    return status;
  }
}
