package io.meshlens.ingest.decode;

/**
 * Size limits the decoders enforce, so that one oversized record is dead-lettered with reason
 * {@code oversized} instead of exhausting memory or producing a row nobody can display.
 *
 * @param maxMessageBytes largest Kafka message value accepted, in bytes
 * @param maxLineBytes largest single access log line accepted (UTF-16 chars, close to bytes for the
 *     ASCII that access logs are), forwarder envelope included
 */
public record DecoderLimits(int maxMessageBytes, int maxLineBytes) {

  /** 16 MiB per message (Collectors' batches stay well below), 64 KiB per access log line. */
  public static final DecoderLimits DEFAULT = new DecoderLimits(16 << 20, 64 << 10);

  public DecoderLimits {
    if (maxMessageBytes <= 0 || maxLineBytes <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
  }

  /**
   * What is wrong with a message before any decoding: no bytes ({@code empty}), more than {@link
   * #maxMessageBytes} ({@code oversized}), or a compressed payload ({@code unknown_encoding});
   * {@code null} when none of these.
   */
  public DecodeFailure check(byte[] message) {
    if (message == null || message.length == 0) {
      return DecodeFailure.of(FailureReason.EMPTY, "empty message");
    }
    if (message.length > maxMessageBytes) {
      return DecodeFailure.of(
          FailureReason.OVERSIZED,
          "message of " + message.length + " bytes exceeds the limit of " + maxMessageBytes);
    }
    String compression = compression(message);
    if (compression != null) {
      return DecodeFailure.of(
          FailureReason.UNKNOWN_ENCODING,
          compression
              + "-compressed payload: use Kafka's own compression, not payload compression");
    }
    return null;
  }

  /**
   * The compression format whose magic number starts the message, or {@code null}. None of these
   * bytes can start an OTLP protobuf request, JSON or an access log line.
   */
  private static String compression(byte[] m) {
    if (m.length >= 2 && (m[0] & 0xFF) == 0x1F && (m[1] & 0xFF) == 0x8B) {
      return "gzip";
    }
    if (m.length >= 4) {
      int magic = (m[0] & 0xFF) | (m[1] & 0xFF) << 8 | (m[2] & 0xFF) << 16 | (m[3] & 0xFF) << 24;
      if (magic == 0xFD2FB528) {
        return "zstd";
      }
      if (magic == 0x184D2204) {
        return "lz4";
      }
    }
    return null;
  }
}
