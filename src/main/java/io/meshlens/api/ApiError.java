package io.meshlens.api;

/**
 * An error answered in the Prometheus HTTP API's own format: {@code {"status":"error",
 * "errorType":..., "error":...}} with the HTTP status Prometheus uses for that type.
 */
public final class ApiError extends RuntimeException {

  private final String errorType;
  private final int httpStatus;

  public ApiError(String errorType, int httpStatus, String message) {
    super(message, null, false, false);
    this.errorType = errorType;
    this.httpStatus = httpStatus;
  }

  public static ApiError badData(String message) {
    return new ApiError("bad_data", 400, message);
  }

  /** HTTP status per Prometheus' {@code web/api/v1} for each error type. */
  public static int statusOf(String errorType) {
    return switch (errorType) {
      case "bad_data" -> 400;
      case "execution" -> 422;
      case "canceled" -> 499;
      case "timeout", "unavailable" -> 503;
      case "not_found" -> 404;
      case "unauthorized" -> 401;
      case "forbidden" -> 403;
      default -> 500;
    };
  }

  public String errorType() {
    return errorType;
  }

  public int httpStatus() {
    return httpStatus;
  }
}
