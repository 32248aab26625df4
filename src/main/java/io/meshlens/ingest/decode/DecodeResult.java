package io.meshlens.ingest.decode;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of decoding one Kafka message: either a value, or the reason it failed. Decoders
 * return this instead of throwing, so that the caller can count the failure by reason and
 * dead-letter the message with the reason in a header, and ingestion never stops on bad input.
 *
 * <p>A message that holds several items (lines, spans, log records) where only some are bad decodes
 * as a success with the good items in {@link #value()} and the bad ones listed in {@link
 * #rejected()}; when every item is bad the result is a failure with the first item's reason.
 *
 * @param value the decoded value; {@code null} exactly when {@link #failure()} is not
 * @param failure why the whole message failed, or {@code null} on success
 * @param rejected items of a successful message that were dropped, each with its reason; empty on
 *     failure
 */
public record DecodeResult<T>(T value, DecodeFailure failure, List<DecodeFailure> rejected) {

  public DecodeResult {
    if ((value == null) == (failure == null)) {
      throw new IllegalArgumentException("exactly one of value and failure must be set");
    }
    rejected = List.copyOf(rejected);
  }

  public static <T> DecodeResult<T> ok(T value) {
    return new DecodeResult<>(Objects.requireNonNull(value, "value"), null, List.of());
  }

  public static <T> DecodeResult<T> ok(T value, List<DecodeFailure> rejected) {
    return new DecodeResult<>(Objects.requireNonNull(value, "value"), null, rejected);
  }

  public static <T> DecodeResult<T> failed(DecodeFailure failure) {
    return new DecodeResult<>(null, Objects.requireNonNull(failure, "failure"), List.of());
  }

  public static <T> DecodeResult<T> failed(FailureReason reason, String message) {
    return failed(DecodeFailure.of(reason, message));
  }

  public boolean isOk() {
    return failure == null;
  }

  /** The failure reason, or {@code null} on success. */
  public FailureReason reason() {
    return failure == null ? null : failure.reason();
  }

  /** The failure message, or {@code null} on success. */
  public String message() {
    return failure == null ? null : failure.message();
  }

  /** This failure as a result of another value type; only valid on a failure. */
  public <U> DecodeResult<U> asFailure() {
    if (failure == null) {
      throw new IllegalStateException("not a failure");
    }
    return failed(failure);
  }

  @Override
  public String toString() {
    return failure == null
        ? "ok(" + value + (rejected.isEmpty() ? ")" : ", rejected=" + rejected + ")")
        : "failed(" + failure + ")";
  }
}
