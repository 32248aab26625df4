package io.meshlens.ingest.decode;

import java.util.function.Function;

/**
 * The value encoding of an OTLP Kafka message, as the OpenTelemetry Collector {@code kafka}
 * exporter's {@code encoding} setting names it.
 */
public enum PayloadEncoding {
  /**
   * Decide per message: OTLP/JSON when it starts with <code>{</code> (or <code>[</code>, to report
   * a JSON array as JSON of the wrong shape), protobuf otherwise.
   */
  AUTO,
  /** {@code otlp_proto}: the protobuf serialization of an Export*ServiceRequest. */
  OTLP_PROTO,
  /** {@code otlp_json}: OTLP/JSON (hex ids, int64 as strings, enums as integers). */
  OTLP_JSON;

  /**
   * Whether a message looks like JSON: its first byte (after a UTF-8 byte order mark and blanks) is
   * <code>{</code>. A line feed is not skipped, because {@code 0x0A} is also how every protobuf
   * Export*ServiceRequest starts (field 1, length-delimited); such messages are tried as protobuf
   * first, see {@link #firstNonBlank}.
   */
  public static boolean looksLikeJson(byte[] message) {
    int i = skipBom(message);
    while (i < message.length && (message[i] == ' ' || message[i] == '\t' || message[i] == '\r')) {
      i++;
    }
    return i < message.length && (message[i] == '{' || message[i] == '[');
  }

  /** The first byte that is not a byte order mark or JSON whitespace, or -1. */
  public static int firstNonBlank(byte[] message) {
    for (int i = skipBom(message); i < message.length; i++) {
      byte b = message[i];
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return b & 0xFF;
      }
    }
    return -1;
  }

  /**
   * Parses {@code message} with the JSON or the protobuf reader as this encoding says; for {@link
   * #AUTO}: JSON when it {@link #looksLikeJson looks like JSON}, else protobuf, and JSON again when
   * protobuf fails on a message whose first non-blank byte is <code>{</code> or <code>[</code>
   * (JSON that starts with a line feed).
   */
  public <T> DecodeResult<T> parse(
      byte[] message,
      Function<byte[], DecodeResult<T>> json,
      Function<byte[], DecodeResult<T>> proto) {
    switch (this) {
      case OTLP_JSON:
        return json.apply(message);
      case OTLP_PROTO:
        return proto.apply(message);
      default:
        if (looksLikeJson(message)) {
          return json.apply(message);
        }
        DecodeResult<T> p = proto.apply(message);
        int first = firstNonBlank(message);
        if (!p.isOk() && (first == '{' || first == '[')) {
          return json.apply(message);
        }
        return p;
    }
  }

  private static int skipBom(byte[] m) {
    return m.length >= 3 && (m[0] & 0xFF) == 0xEF && (m[1] & 0xFF) == 0xBB && (m[2] & 0xFF) == 0xBF
        ? 3
        : 0;
  }
}
