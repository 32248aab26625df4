package io.meshlens.store.spans;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads a span's attributes JSON in tests, independently of DuckDB's JSON functions. */
final class SpanStoreTestSupport {

  private static final ObjectMapper JSON = new ObjectMapper();

  private SpanStoreTestSupport() {}

  static String attribute(String json, String key) {
    try {
      var node = JSON.readTree(json).get(key);
      return node == null ? null : node.asText();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
