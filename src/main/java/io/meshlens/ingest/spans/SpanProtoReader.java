package io.meshlens.ingest.spans;

import com.google.protobuf.UnsafeByteOperations;
import io.meshlens.ingest.decode.AttributeText;
import io.opentelemetry.proto.common.v1.AnyValue;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a protobuf {@code ExportTraceServiceRequest} straight from its bytes into {@link
 * SpanRecord}s, without building the generated message objects; attribute keys come out of a table
 * keyed by their raw UTF-8 bytes, so a key seen before costs a hash and a byte comparison instead
 * of a decoded {@code String}, and its hash code is already known.
 *
 * <p>It reads the common form only: fields in any order but each resource before its spans,
 * attribute values that are strings, bools, ints or doubles, spans without events or links, every
 * span's ids valid. Anything else (array, map or bytes values, events, links, entity references,
 * fields this version of OTLP does not know or of an unexpected wire type, a non-repeated message
 * field given twice, which protobuf would merge, an invalid span id, no spans at all) and every
 * malformed input (truncation, bad lengths, invalid UTF-8 in a string field) make {@link #read}
 * return null, and the caller takes protobuf's own parser, which then accepts or rejects the bytes
 * as always. So whatever this reader accepts, protobuf reads the same way, and the records are
 * those {@link SpanDecoder} makes of protobuf's request; {@code SpanProtoReaderTest} checks that on
 * real, simulated, edge-case and damaged input.
 *
 * <p>Not thread-safe: one instance per thread, reused for every request.
 */
final class SpanProtoReader {

  /** Control flow for "not the common form": no stack trace, never seen outside this class. */
  private static final class NotCommon extends Exception {
    private static final long serialVersionUID = 1L;

    NotCommon() {
      super(null, null, false, false);
    }
  }

  private static final NotCommon NOT_COMMON = new NotCommon();

  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  // Tags: field number << 3 | wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32).
  private static final int T1_LEN = 1 << 3 | 2;
  private static final int T2_LEN = 2 << 3 | 2;
  private static final int T3_LEN = 3 << 3 | 2;
  private static final int T4_LEN = 4 << 3 | 2;
  private static final int T5_LEN = 5 << 3 | 2;
  private static final int T9_LEN = 9 << 3 | 2;
  private static final int T15_LEN = 15 << 3 | 2;
  private static final int T2_VARINT = 2 << 3;
  private static final int T3_VARINT = 3 << 3;
  private static final int T4_VARINT = 4 << 3;
  private static final int T6_VARINT = 6 << 3;
  private static final int T10_VARINT = 10 << 3;
  private static final int T12_VARINT = 12 << 3;
  private static final int T14_VARINT = 14 << 3;
  private static final int T4_FIXED64 = 4 << 3 | 1;
  private static final int T7_FIXED64 = 7 << 3 | 1;
  private static final int T8_FIXED64 = 8 << 3 | 1;
  private static final int T16_FIXED32 = 16 << 3 | 5;

  private final KeyTable keys = new KeyTable();

  private byte[] b;
  private int pos;
  private List<SpanRecord> out;

  /** Attributes of the message being read: keys and values, a range per resource or span. */
  private String[] attrKeys = new String[64];

  private String[] attrValues = new String[64];
  private int attrCount;

  /**
   * The spans of {@code bytes}, as {@link SpanDecoder} makes them of protobuf's parse, when the
   * bytes are a request in the common form with at least one span; else null.
   */
  List<SpanRecord> read(byte[] bytes) {
    b = bytes;
    pos = 0;
    out = new ArrayList<>();
    try {
      request(bytes.length);
      return out.isEmpty() ? null : out;
    } catch (NotCommon e) {
      return null;
    } finally {
      b = null;
      out = null;
      Arrays.fill(attrKeys, 0, attrCount, null);
      Arrays.fill(attrValues, 0, attrCount, null);
      attrCount = 0;
    }
  }

  // ---- messages ----

  private void request(int end) throws NotCommon {
    while (pos < end) {
      if (tag(end) != T1_LEN) {
        throw NOT_COMMON;
      }
      resourceSpans(length(end));
    }
  }

  private void resourceSpans(int end) throws NotCommon {
    SpanDecoder.ResourceIdentity resource = null;
    boolean seenScopeSpans = false;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> {
          if (resource != null || seenScopeSpans) {
            throw NOT_COMMON;
          }
          resource = resource(length(end));
        }
        case T2_LEN -> {
          seenScopeSpans = true;
          if (resource == null) {
            resource = SpanDecoder.ResourceIdentity.NONE;
          }
          scopeSpans(length(end), resource);
        }
        case T3_LEN -> validString(length(end)); // schema_url
        default -> throw NOT_COMMON;
      }
    }
  }

  private SpanDecoder.ResourceIdentity resource(int end) throws NotCommon {
    int from = attrCount;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> keyValue(length(end));
        case T2_VARINT -> varint(end); // dropped_attributes_count
        default -> throw NOT_COMMON;
      }
    }
    Map<String, String> attributes = map(from);
    attrCount = from;
    return new SpanDecoder.ResourceIdentity(attributes);
  }

  private void scopeSpans(int end, SpanDecoder.ResourceIdentity resource) throws NotCommon {
    boolean seenScope = false;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> {
          if (seenScope) {
            throw NOT_COMMON;
          }
          seenScope = true;
          scope(length(end));
        }
        case T2_LEN -> span(length(end), resource);
        case T3_LEN -> validString(length(end)); // schema_url
        default -> throw NOT_COMMON;
      }
    }
  }

  /** The instrumentation scope: read for validity only. */
  private void scope(int end) throws NotCommon {
    int from = attrCount;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN, T2_LEN -> validString(length(end)); // name, version
        case T3_LEN -> keyValue(length(end));
        case T4_VARINT -> varint(end); // dropped_attributes_count
        default -> throw NOT_COMMON;
      }
    }
    attrCount = from;
  }

  private void span(int end, SpanDecoder.ResourceIdentity resource) throws NotCommon {
    int traceFrom = 0;
    int traceLen = 0;
    int spanFrom = 0;
    int spanLen = 0;
    int parentFrom = 0;
    int parentLen = 0;
    String name = "";
    int kind = 0;
    long start = 0;
    long endTime = 0;
    int statusCode = 0;
    String statusMessage = "";
    boolean seenStatus = false;
    int from = attrCount;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> {
          int e = length(end);
          traceFrom = pos;
          traceLen = e - pos;
          pos = e;
        }
        case T2_LEN -> {
          int e = length(end);
          spanFrom = pos;
          spanLen = e - pos;
          pos = e;
        }
        case T3_LEN -> validString(length(end)); // trace_state
        case T4_LEN -> {
          int e = length(end);
          parentFrom = pos;
          parentLen = e - pos;
          pos = e;
        }
        case T5_LEN -> name = string(length(end));
        case T6_VARINT -> kind = (int) varint(end);
        case T7_FIXED64 -> start = fixed64(end);
        case T8_FIXED64 -> endTime = fixed64(end);
        case T9_LEN -> keyValue(length(end));
        case T10_VARINT, T12_VARINT, T14_VARINT -> varint(end); // dropped counts
        case T15_LEN -> {
          if (seenStatus) {
            throw NOT_COMMON;
          }
          seenStatus = true;
          int e = length(end);
          while (pos < e) {
            switch (tag(e)) {
              case T2_LEN -> statusMessage = string(length(e));
              case T3_VARINT -> statusCode = (int) varint(e);
              default -> throw NOT_COMMON;
            }
          }
        }
        case T16_FIXED32 -> fixed32(end); // flags
        default -> throw NOT_COMMON; // events, links, unknown fields
      }
    }
    if (traceLen != 16 || allZero(traceFrom, traceLen) || spanLen != 8 || allZero(spanFrom, 8)) {
      throw NOT_COMMON;
    }
    if (parentLen != 0 && parentLen != 8) {
      throw NOT_COMMON;
    }
    Map<String, String> attributes = map(from);
    attrCount = from;
    out.add(
        SpanDecoder.record(
            hex(traceFrom, 16),
            hex(spanFrom, 8),
            parentLen == 0 || allZero(parentFrom, parentLen) ? "" : hex(parentFrom, 8),
            name,
            kind,
            start,
            endTime,
            statusCode,
            statusMessage,
            0,
            0,
            attributes,
            resource));
  }

  /** One attribute, added to the current range. */
  private void keyValue(int end) throws NotCommon {
    String key = "";
    String value = "";
    boolean seenValue = false;
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> key = key(length(end));
        case T2_LEN -> {
          if (seenValue) {
            throw NOT_COMMON;
          }
          seenValue = true;
          value = anyValue(length(end));
        }
        default -> throw NOT_COMMON;
      }
    }
    if (attrCount == attrKeys.length) {
      attrKeys = Arrays.copyOf(attrKeys, attrCount * 2);
      attrValues = Arrays.copyOf(attrValues, attrCount * 2);
    }
    attrKeys[attrCount] = key;
    attrValues[attrCount] = value;
    attrCount++;
  }

  /** An attribute value as text ({@link AttributeText#asString}); the last field set wins. */
  private String anyValue(int end) throws NotCommon {
    String text = "";
    while (pos < end) {
      switch (tag(end)) {
        case T1_LEN -> text = string(length(end));
        case T2_VARINT -> text = varint(end) != 0 ? "true" : "false";
        case T3_VARINT -> text = Long.toString(varint(end));
        case T4_FIXED64 ->
            text =
                AttributeText.asString(
                    AnyValue.newBuilder()
                        .setDoubleValue(Double.longBitsToDouble(fixed64(end)))
                        .build());
        default -> throw NOT_COMMON; // arrays, maps, bytes, unknown fields
      }
    }
    return text;
  }

  /**
   * The attributes from {@code from} on as {@link AttributeText#toMap} makes them: in their order,
   * a repeated key keeping its first position and last value.
   */
  private Map<String, String> map(int from) {
    int n = attrCount - from;
    if (n == 0) {
      return Map.of();
    }
    Map<String, String> map = new LinkedHashMap<>(n * 4 / 3 + 1);
    for (int i = from; i < attrCount; i++) {
      map.put(attrKeys[i], attrValues[i]);
    }
    return Collections.unmodifiableMap(map);
  }

  // ---- wire format ----

  private int tag(int end) throws NotCommon {
    long tag = varint(end);
    if (tag >>> 32 != 0 || (tag >>> 3) == 0) {
      throw NOT_COMMON;
    }
    return (int) tag;
  }

  /** Reads a length and returns the end of the bytes it announces, which must lie within end. */
  private int length(int end) throws NotCommon {
    long length = varint(end);
    if (length < 0 || length > end - pos) {
      throw NOT_COMMON;
    }
    return pos + (int) length;
  }

  private long varint(int end) throws NotCommon {
    long x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos >= end) {
        throw NOT_COMMON;
      }
      byte v = b[pos++];
      x |= (long) (v & 0x7f) << shift;
      if (v >= 0) {
        return x;
      }
    }
    throw NOT_COMMON; // more than ten bytes
  }

  private long fixed64(int end) throws NotCommon {
    if (end - pos < 8) {
      throw NOT_COMMON;
    }
    long v = (long) LONGS.get(b, pos);
    pos += 8;
    return v;
  }

  private void fixed32(int end) throws NotCommon {
    if (end - pos < 4) {
      throw NOT_COMMON;
    }
    pos += 4;
  }

  /** A string field that is not kept: it must still be valid UTF-8, as protobuf requires. */
  private void validString(int end) throws NotCommon {
    if (!validUtf8(b, pos, end)) {
      throw NOT_COMMON;
    }
    pos = end;
  }

  private String string(int end) throws NotCommon {
    if (!validUtf8(b, pos, end)) {
      throw NOT_COMMON;
    }
    String s = new String(b, pos, end - pos, StandardCharsets.UTF_8);
    pos = end;
    return s;
  }

  private String key(int end) throws NotCommon {
    String s = keys.get(b, pos, end - pos);
    if (s == null) {
      throw NOT_COMMON;
    }
    pos = end;
    return s;
  }

  private boolean allZero(int from, int len) {
    for (int i = from; i < from + len; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private String hex(int from, int len) {
    byte[] chars = new byte[len * 2];
    for (int i = 0; i < len; i++) {
      byte v = b[from + i];
      chars[2 * i] = (byte) HEX[(v >> 4) & 0xF];
      chars[2 * i + 1] = (byte) HEX[v & 0xF];
    }
    return new String(chars, StandardCharsets.ISO_8859_1);
  }

  static boolean validUtf8(byte[] b, int from, int to) {
    int i = from;
    while (i < to && b[i] >= 0) {
      i++;
    }
    return i == to || UnsafeByteOperations.unsafeWrap(b, i, to - i).isValidUtf8();
  }

  /**
   * Attribute keys by their UTF-8 bytes: open addressing, starting over when full (a flood of
   * distinct keys costs what decoding them would, no more).
   */
  static final class KeyTable {
    private static final int INITIAL = 1 << 8;
    private static final int MAX = 1 << 14;

    private byte[][] bytes = new byte[INITIAL][];
    private int[] hashes = new int[INITIAL];
    private String[] strings = new String[INITIAL];
    private int size;

    /** The string of these bytes; null when they are not valid UTF-8. */
    String get(byte[] b, int off, int len) {
      int hash = 1;
      for (int i = off; i < off + len; i++) {
        hash = 31 * hash + b[i];
      }
      int mask = bytes.length - 1;
      int i = hash & mask;
      for (byte[] k = bytes[i]; k != null; k = bytes[i = (i + 1) & mask]) {
        if (hashes[i] == hash && Arrays.equals(k, 0, k.length, b, off, off + len)) {
          return strings[i];
        }
      }
      if (!validUtf8(b, off, off + len)) {
        return null;
      }
      String s = new String(b, off, len, StandardCharsets.UTF_8);
      if ((size + 1) * 4 > bytes.length * 3) {
        if (bytes.length >= MAX) {
          // Full: start over rather than grow without bound.
          Arrays.fill(bytes, null);
          Arrays.fill(strings, null);
          size = 0;
        } else {
          grow();
        }
        mask = bytes.length - 1;
        i = hash & mask;
        while (bytes[i] != null) {
          i = (i + 1) & mask;
        }
      }
      bytes[i] = Arrays.copyOfRange(b, off, off + len);
      hashes[i] = hash;
      strings[i] = s;
      size++;
      return s;
    }

    private void grow() {
      byte[][] oldBytes = bytes;
      int[] oldHashes = hashes;
      String[] oldStrings = strings;
      int n = oldBytes.length * 2;
      bytes = new byte[n][];
      hashes = new int[n];
      strings = new String[n];
      int mask = n - 1;
      for (int j = 0; j < oldBytes.length; j++) {
        if (oldBytes[j] != null) {
          int i = oldHashes[j] & mask;
          while (bytes[i] != null) {
            i = (i + 1) & mask;
          }
          bytes[i] = oldBytes[j];
          hashes[i] = oldHashes[j];
          strings[i] = oldStrings[j];
        }
      }
    }
  }
}
