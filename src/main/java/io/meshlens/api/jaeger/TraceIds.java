package io.meshlens.api.jaeger;

import java.util.Locale;

/**
 * Trace ids between Jaeger's text form and the store's: the store keeps 32 lower-case hex digits;
 * Jaeger accepts 1 to 32 hex digits (leading zeros optional) and prints a 128-bit id whose high 64
 * bits are zero as 16 digits.
 */
final class TraceIds {

  private static final String ZEROS = "0".repeat(32);

  private TraceIds() {}

  /**
   * The stored form of a trace id given by a caller.
   *
   * @throws IllegalArgumentException when it is empty, longer than 32 digits or not hex
   */
  static String toStored(String id) {
    if (id == null || id.isEmpty()) {
      throw new IllegalArgumentException("TraceID is empty");
    }
    if (id.length() > 32) {
      throw new IllegalArgumentException("TraceID cannot be longer than 32 hex characters: " + id);
    }
    for (int i = 0; i < id.length(); i++) {
      if (Character.digit(id.charAt(i), 16) < 0) {
        throw new IllegalArgumentException("TraceID is not a hex string: " + id);
      }
    }
    return ZEROS.substring(id.length()) + id.toLowerCase(Locale.ROOT);
  }

  /** Jaeger's text form of a stored id. */
  static String toJaeger(String stored) {
    if (stored.length() == 32 && stored.startsWith("0000000000000000")) {
      return stored.substring(16);
    }
    return stored;
  }
}
