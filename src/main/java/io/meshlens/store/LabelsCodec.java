package io.meshlens.store;

import io.meshlens.model.Labels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A label set as bytes, for the series tables: either self-contained (the number of labels, then
 * each name and value as a varint length and its UTF-8 bytes; any string survives, NUL and
 * separators included) or as ids into the store's symbol table.
 */
final class LabelsCodec {

  private LabelsCodec() {}

  static byte[] encode(Labels labels) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(labels.size() * 24);
    writeVarint(out, labels.size());
    for (int i = 0; i < labels.size(); i++) {
      writeString(out, labels.name(i));
      writeString(out, labels.value(i));
    }
    return out.toByteArray();
  }

  static Labels decode(byte[] data) {
    int[] pos = {0};
    String[] pairs = pairsFor(data, pos);
    for (int i = 0; i < pairs.length; i++) {
      int len = readVarint(data, pos);
      if (len < 0 || pos[0] + len > data.length) {
        throw new IllegalArgumentException("corrupt label set: string past the end");
      }
      pairs[i] = new String(data, pos[0], len, StandardCharsets.UTF_8);
      pos[0] += len;
    }
    return Labels.of(pairs);
  }

  /**
   * A label set as symbol ids: the number of labels, then each name's and value's id, as varints
   * (1-3 bytes each for the few thousand strings a mesh repeats).
   */
  static byte[] encodeSymbols(Labels labels, java.util.function.ToIntFunction<String> idOf) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(labels.size() * 4 + 2);
    writeVarint(out, labels.size());
    for (int i = 0; i < labels.size(); i++) {
      writeVarint(out, idOf.applyAsInt(labels.name(i)));
      writeVarint(out, idOf.applyAsInt(labels.value(i)));
    }
    return out.toByteArray();
  }

  /** The label set {@link #encodeSymbols} wrote, with {@code symbols} indexed by id. */
  static Labels decodeSymbols(byte[] data, List<String> symbols) {
    int[] pos = {0};
    String[] pairs = pairsFor(data, pos);
    for (int i = 0; i < pairs.length; i++) {
      int id = readVarint(data, pos);
      if (id < 0 || id >= symbols.size()) {
        throw new IllegalArgumentException("corrupt label set: unknown symbol " + id);
      }
      pairs[i] = symbols.get(id);
    }
    return Labels.of(pairs);
  }

  /** Reads the label count and sizes the names-and-values array. */
  private static String[] pairsFor(byte[] data, int[] pos) {
    int n = readVarint(data, pos);
    if (n < 0 || n > data.length) {
      throw new IllegalArgumentException("corrupt label set: " + n + " labels");
    }
    return new String[n * 2];
  }

  private static void writeString(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    writeVarint(out, b.length);
    out.write(b, 0, b.length);
  }

  private static void writeVarint(ByteArrayOutputStream out, int v) {
    while ((v & ~0x7f) != 0) {
      out.write((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.write(v);
  }

  private static int readVarint(byte[] data, int[] pos) {
    int v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (pos[0] >= data.length) {
        throw new IllegalArgumentException("corrupt label set: truncated");
      }
      int b = data[pos[0]++] & 0xff;
      v |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IllegalArgumentException("corrupt label set: varint too long");
  }
}
