package io.meshlens.ingest.otlp;

import java.util.Arrays;

/**
 * Attributes as parallel arrays: the key as sent, its Prometheus label name (null when it cannot be
 * one) and the value's text ({@link AttributeValues#asString}). One list holds the attributes of a
 * data point or resource, or, in {@link OtlpProtobufReader}, those of a whole request, each data
 * point and resource owning a range of it.
 */
final class AttributeList {

  String[] keys;
  String[] names;
  String[] values;
  int size;

  AttributeList(int capacity) {
    int c = Math.max(4, capacity);
    keys = new String[c];
    names = new String[c];
    values = new String[c];
  }

  void add(String key, String name, String value) {
    if (size == keys.length) {
      int c = size * 2;
      keys = Arrays.copyOf(keys, c);
      names = Arrays.copyOf(names, c);
      values = Arrays.copyOf(values, c);
    }
    keys[size] = key;
    names[size] = name;
    values[size] = value;
    size++;
  }

  /** Adds the attributes of three parallel arrays of one length. */
  void addAll(String[] moreKeys, String[] moreNames, String[] moreValues) {
    int n = moreKeys.length;
    if (size + n > keys.length) {
      int c = Math.max(size * 2, size + n);
      keys = Arrays.copyOf(keys, c);
      names = Arrays.copyOf(names, c);
      values = Arrays.copyOf(values, c);
    }
    System.arraycopy(moreKeys, 0, keys, size, n);
    System.arraycopy(moreNames, 0, names, size, n);
    System.arraycopy(moreValues, 0, values, size, n);
    size += n;
  }
}
