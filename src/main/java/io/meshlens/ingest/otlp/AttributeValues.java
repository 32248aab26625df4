package io.meshlens.ingest.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.common.v1.KeyValueList;
import java.util.Base64;
import java.util.TreeMap;

/**
 * OTLP attribute values as label value text, the way Prometheus gets it from the OpenTelemetry
 * Collector's {@code pcommon.Value.AsString()}: strings as they are, ints in decimal, doubles like
 * JSON numbers, bools as {@code true}/{@code false}, bytes in base64, arrays and maps as Go's
 * {@code encoding/json} writes them (map keys sorted, {@code <>&} escaped).
 */
public final class AttributeValues {

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private AttributeValues() {}

  /** The text of one attribute value, as the Collector's {@code AsString()} gives it. */
  public static String asString(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case BOOL_VALUE:
        return value.getBoolValue() ? "true" : "false";
      case INT_VALUE:
        return Long.toString(value.getIntValue());
      case DOUBLE_VALUE:
        return doubleText(value.getDoubleValue());
      case BYTES_VALUE:
        return Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray());
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        StringBuilder sb = new StringBuilder();
        // Go's json.Marshal fails as a whole on NaN or an infinity, and AsString then yields "".
        return appendJson(sb, value) ? sb.toString() : "";
      default:
        return "";
    }
  }

  /** The text of a double attribute value. */
  static String doubleText(double d) {
    if (Double.isNaN(d) || Double.isInfinite(d)) {
      // pdata hands Go's JSON error text on, and Prometheus stores it as the value.
      return "json: unsupported value: " + (Double.isNaN(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf");
    }
    return GoFloats.formatJsonNumber(d);
  }

  /** Appends {@code value} as JSON; false when it holds a number JSON cannot represent. */
  private static boolean appendJson(StringBuilder sb, AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        appendJsonString(sb, value.getStringValue());
        return true;
      case BOOL_VALUE:
        sb.append(value.getBoolValue());
        return true;
      case INT_VALUE:
        sb.append(value.getIntValue());
        return true;
      case DOUBLE_VALUE:
        double d = value.getDoubleValue();
        if (Double.isNaN(d) || Double.isInfinite(d)) {
          return false;
        }
        sb.append(GoFloats.formatJsonNumber(d));
        return true;
      case BYTES_VALUE:
        if (value.getBytesValue().isEmpty()) {
          // Go marshals an empty (nil) byte slice as null.
          sb.append("null");
          return true;
        }
        sb.append('"')
            .append(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()))
            .append('"');
        return true;
      case ARRAY_VALUE:
        ArrayValue array = value.getArrayValue();
        sb.append('[');
        for (int i = 0; i < array.getValuesCount(); i++) {
          if (i > 0) {
            sb.append(',');
          }
          if (!appendJson(sb, array.getValues(i))) {
            return false;
          }
        }
        sb.append(']');
        return true;
      case KVLIST_VALUE:
        KeyValueList list = value.getKvlistValue();
        // A Go map: the last of duplicate keys wins and keys come out in byte order.
        TreeMap<String, AnyValue> sorted = new TreeMap<>(AttributeValues::compareUtf8);
        for (KeyValue kv : list.getValuesList()) {
          sorted.put(kv.getKey(), kv.getValue());
        }
        sb.append('{');
        boolean first = true;
        for (var e : sorted.entrySet()) {
          if (!first) {
            sb.append(',');
          }
          first = false;
          appendJsonString(sb, e.getKey());
          sb.append(':');
          if (!appendJson(sb, e.getValue())) {
            return false;
          }
        }
        sb.append('}');
        return true;
      default:
        sb.append("null");
        return true;
    }
  }

  private static void appendJsonString(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\b':
          sb.append("\\b");
          break;
        case '\f':
          sb.append("\\f");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            sb.append("\\u")
                .append(HEX[c >> 12 & 0xf])
                .append(HEX[c >> 8 & 0xf])
                .append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
          } else {
            sb.append(c);
          }
      }
    }
    sb.append('"');
  }

  /** Orders strings as their UTF-8 bytes would sort, which is code point order. */
  static int compareUtf8(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int ca = a.codePointAt(i);
      int cb = b.codePointAt(j);
      if (ca != cb) {
        return Integer.compare(ca, cb);
      }
      i += Character.charCount(ca);
      j += Character.charCount(cb);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }
}
