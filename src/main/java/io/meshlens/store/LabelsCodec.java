package io.meshlens.store;

import io.meshlens.model.Labels;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A label set as bytes, for the series table: the number of labels, then each name and value as a
 * varint length and its UTF-8 bytes. Any string survives, NUL and separators included.
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
    int n = readVarint(data, pos);
    if (n < 0 || n > data.length) {
      throw new IllegalArgumentException("corrupt label set: " + n + " labels");
    }
    String[] pairs = new String[n * 2];
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
