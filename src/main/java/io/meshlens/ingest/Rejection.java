package io.meshlens.ingest;

import java.util.Objects;

/**
 * Why a whole Kafka record was not ingested: a stable {@code reason} code for counters and the
 * dead-letter header, and a human message.
 */
public record Rejection(String reason, String message) {

  /** Record larger than {@code meshlens.ingest.max-record-bytes}. */
  public static final String OVERSIZED = "oversized";

  /** Not protobuf and not JSON, or a payload encoding Meshlens does not read (e.g. gzip). */
  public static final String UNKNOWN_ENCODING = "unknown_encoding";

  /** Looked like the expected encoding but did not decode. */
  public static final String DECODE_ERROR = "decode_error";

  /** Decoded, but processing failed unexpectedly; the message says how. */
  public static final String INTERNAL_ERROR = "internal_error";

  /** No bytes at all. */
  public static final String EMPTY = "empty";

  public Rejection {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }
}
