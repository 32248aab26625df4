package io.meshlens.ingest.decode;

import io.meshlens.ingest.otlp.AttributeValues;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OTLP attributes of spans and logs as text, by the same rules as metric labels ({@link
 * AttributeValues}, the Collector's {@code pcommon.Value.AsString()}), so a span tag or log
 * attribute reads the same as the label made from the same attribute.
 */
public final class AttributeText {

  private AttributeText() {}

  /** The attributes in their order; a repeated key keeps its first position and last value. */
  public static Map<String, String> toMap(List<KeyValue> attributes) {
    int n = attributes.size();
    if (n == 0) {
      return Map.of();
    }
    Map<String, String> map = new LinkedHashMap<>(n * 4 / 3 + 1);
    for (int i = 0; i < n; i++) {
      KeyValue kv = attributes.get(i);
      map.put(kv.getKey(), asString(kv.getValue()));
    }
    return Collections.unmodifiableMap(map);
  }

  /** The text of one attribute value; {@code ""} for an empty value. */
  public static String asString(AnyValue value) {
    return AttributeValues.asString(value);
  }
}
