package io.meshlens.ingest.decode;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Base64;

/**
 * Trace and span ids between their OTLP bytes and the lower-case hex text that Meshlens stores and
 * the Jaeger/Tempo APIs show.
 *
 * <p>Text ids are read as hex when they are hex of the expected length (OTLP/JSON, W3C
 * traceparent), else as base64 (protobuf's JSON mapping, used by Tempo's API and by producers that
 * print OTLP with a stock protobuf JSON printer). The two cannot be confused: 16 or 8 bytes in
 * padded base64 always end in {@code =}, which is not a hex digit.
 */
public final class TraceIds {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private TraceIds() {}

  /** Lower-case hex of the bytes; {@code ""} for none. */
  public static String hex(ByteString id) {
    int n = id.size();
    if (n == 0) {
      return "";
    }
    char[] out = new char[n * 2];
    for (int i = 0; i < n; i++) {
      byte b = id.byteAt(i);
      out[2 * i] = HEX[(b >> 4) & 0xF];
      out[2 * i + 1] = HEX[b & 0xF];
    }
    return new String(out);
  }

  /** Whether {@code id} is a valid trace id: 16 bytes, not all zero. */
  public static boolean validTraceId(ByteString id) {
    return id.size() == 16 && !allZero(id);
  }

  /** Whether {@code id} is a valid span id: 8 bytes, not all zero. */
  public static boolean validSpanId(ByteString id) {
    return id.size() == 8 && !allZero(id);
  }

  private static boolean allZero(ByteString id) {
    for (int i = 0; i < id.size(); i++) {
      if (id.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * The bytes of a text id: hex (either case) when {@code text} has an even number of hex digits,
   * else standard or URL-safe base64; {@code null} when it is neither. Lengths are not checked
   * here; see {@link #validTraceId} and {@link #validSpanId}.
   */
  public static ByteString parse(String text) {
    if (text.isEmpty()) {
      return ByteString.EMPTY;
    }
    byte[] hex = unhex(text);
    if (hex != null) {
      return UnsafeByteOperations.unsafeWrap(hex);
    }
    try {
      return UnsafeByteOperations.unsafeWrap(Base64.getDecoder().decode(text));
    } catch (IllegalArgumentException e) {
      try {
        return UnsafeByteOperations.unsafeWrap(Base64.getUrlDecoder().decode(text));
      } catch (IllegalArgumentException e2) {
        return null;
      }
    }
  }

  /** Whether {@code s} is exactly {@code digits} hex digits. */
  public static boolean isHex(String s, int digits) {
    if (s.length() != digits) {
      return false;
    }
    for (int i = 0; i < digits; i++) {
      if (hexValue(s.charAt(i)) < 0) {
        return false;
      }
    }
    return true;
  }

  private static byte[] unhex(String s) {
    int n = s.length();
    if ((n & 1) != 0) {
      return null;
    }
    byte[] out = new byte[n / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = hexValue(s.charAt(2 * i));
      int lo = hexValue(s.charAt(2 * i + 1));
      if (hi < 0 || lo < 0) {
        return null;
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }

  /** The value of an ASCII hex digit, or -1 (unlike Character.digit, no other Unicode digits). */
  private static int hexValue(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
