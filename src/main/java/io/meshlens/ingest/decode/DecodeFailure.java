package io.meshlens.ingest.decode;

import java.util.Objects;

/**
 * One reason a message or a part of it was not decoded.
 *
 * @param reason the machine-readable reason, used as a metric label and dead-letter header
 * @param message a human-readable explanation, short and free of stack traces
 * @param item the position within the message of what was rejected (line, span or log record,
 *     counted from 0), or {@link #WHOLE_MESSAGE}
 */
public record DecodeFailure(FailureReason reason, String message, int item) {

  /** {@link #item} of a failure that concerns the message as a whole. */
  public static final int WHOLE_MESSAGE = -1;

  public DecodeFailure {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(message, "message");
  }

  public static DecodeFailure of(FailureReason reason, String message) {
    return new DecodeFailure(reason, message, WHOLE_MESSAGE);
  }

  @Override
  public String toString() {
    return item == WHOLE_MESSAGE
        ? reason.code() + ": " + message
        : reason.code() + " (item " + item + "): " + message;
  }
}
