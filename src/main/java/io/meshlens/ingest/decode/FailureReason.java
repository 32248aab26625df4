package io.meshlens.ingest.decode;

/**
 * Why a Kafka message, or one item in it, could not be decoded. The {@link #code()} is the value of
 * the {@code reason} label on the discard counters and of the dead-letter header, so it is stable,
 * lower-case and snake_case.
 */
public enum FailureReason {
  /** The bytes are not the encoding they claim: bad protobuf, bad or truncated JSON. */
  DECODE_ERROR("decode_error"),
  /** Well-formed JSON, but not the expected structure (wrong types, unknown document). */
  WRONG_SHAPE("wrong_shape"),
  /** Nothing to store: an empty message, or a request without a single span or log record. */
  EMPTY("empty"),
  /** Larger than the configured limit for a message or for one access log line. */
  OVERSIZED("oversized"),
  /** A payload compressed inside the message (gzip, zstd, lz4 frame), which no decoder reads. */
  UNKNOWN_ENCODING("unknown_encoding"),
  /** A trace id that is not 16 bytes (32 hex digits) or is all zeros. */
  INVALID_TRACE_ID("invalid_trace_id"),
  /** A span id (or parent span id) that is not 8 bytes (16 hex digits) or is all zeros. */
  INVALID_SPAN_ID("invalid_span_id"),
  /** An access log line whose start time is missing or not an RFC 3339 timestamp. */
  INVALID_TIMESTAMP("invalid_timestamp"),
  /** Text in none of the supported access log formats. */
  UNSUPPORTED_FORMAT("unsupported_format");

  private final String code;

  FailureReason(String code) {
    this.code = code;
  }

  /** The metric label / header value, e.g. {@code decode_error}. */
  public String code() {
    return code;
  }

  @Override
  public String toString() {
    return code;
  }
}
