package io.meshlens.simulator;

import com.google.protobuf.ByteString;

/** Formatting of the identifiers the simulated proxies produce (request ids, trace ids). */
final class Ids {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Ids() {}

  /** A version-4 style UUID string from two random longs, as Envoy's x-request-id looks. */
  static String uuid(long hi, long lo) {
    hi = (hi & 0xFFFFFFFFFFFF0FFFL) | 0x0000000000004000L;
    lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    char[] out = new char[36];
    int p = 0;
    p = hex(hi >>> 32, 8, out, p);
    out[p++] = '-';
    p = hex(hi >>> 16, 4, out, p);
    out[p++] = '-';
    p = hex(hi, 4, out, p);
    out[p++] = '-';
    p = hex(lo >>> 48, 4, out, p);
    out[p++] = '-';
    hex(lo, 12, out, p);
    return new String(out);
  }

  /** Lower-case hex of {@code digits} low nibbles of {@code v}. */
  private static int hex(long v, int digits, char[] out, int pos) {
    for (int i = digits - 1; i >= 0; i--) {
      out[pos + i] = HEX[(int) (v & 0xF)];
      v >>>= 4;
    }
    return pos + digits;
  }

  /** Big-endian 8-byte span id. */
  static ByteString spanId(long id) {
    byte[] b = new byte[8];
    put(id, b, 0);
    return ByteString.copyFrom(b);
  }

  /** Big-endian 16-byte trace id. */
  static ByteString traceId(long hi, long lo) {
    byte[] b = new byte[16];
    put(hi, b, 0);
    put(lo, b, 8);
    return ByteString.copyFrom(b);
  }

  private static void put(long v, byte[] b, int off) {
    for (int i = 7; i >= 0; i--) {
      b[off + i] = (byte) v;
      v >>>= 8;
    }
  }

  /** Lower-case hex of bytes. */
  static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }

  /** Bytes of a hex string (either case); throws on odd length or non-hex characters. */
  static byte[] unhex(String s) {
    if (s.length() % 2 != 0) {
      throw new IllegalArgumentException("odd-length hex id: " + s);
    }
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(s.charAt(2 * i), 16);
      int lo = Character.digit(s.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new IllegalArgumentException("not a hex id: " + s);
      }
      out[i] = (byte) ((hi << 4) | lo);
    }
    return out;
  }
}
