package io.meshlens.api.jaeger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tag conditions of a trace search, from Jaeger's {@code tag=key:value} parameters and its
 * {@code tags} parameter. {@code tags} is a JSON object of strings (what Jaeger and Grafana send,
 * e.g. {@code {"http.status_code":"500"}}) or, as typed in Grafana's search form, logfmt: {@code
 * http.status_code=500 error=true upstream_cluster="outbound|9080||reviews"}; a logfmt key without
 * a value means {@code true}, as in Grafana's logfmt conversion.
 */
final class TagFilters {

  private static final ObjectMapper JSON = new ObjectMapper();

  private TagFilters() {}

  /**
   * Tag key -> required value, in the order given; a later condition on the same key replaces an
   * earlier one, as in Jaeger.
   *
   * @throws IllegalArgumentException with a message for the caller
   */
  static Map<String, String> parse(List<String> tagParams, String tagsParam) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String tag : tagParams) {
      int colon = tag.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "malformed 'tag' parameter, expecting key:value, received: " + tag);
      }
      out.put(tag.substring(0, colon), tag.substring(colon + 1));
    }
    if (tagsParam == null || tagsParam.isBlank()) {
      return out;
    }
    String t = tagsParam.strip();
    if (t.startsWith("{")) {
      parseJson(t, out);
    } else {
      parseLogfmt(t, out);
    }
    return out;
  }

  private static void parseJson(String text, Map<String, String> out) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "malformed 'tags' parameter, cannot unmarshal JSON: " + e.getOriginalMessage());
    }
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException("malformed 'tags' parameter, expecting a JSON object");
    }
    Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> f = fields.next();
      JsonNode v = f.getValue();
      if (!v.isValueNode() || v.isNull()) {
        throw new IllegalArgumentException(
            "malformed 'tags' parameter, value of '" + f.getKey() + "' is not a string");
      }
      out.put(f.getKey(), v.asText());
    }
  }

  private static void parseLogfmt(String text, Map<String, String> out) {
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      if (i == n) {
        break;
      }
      int keyStart = i;
      while (i < n
          && text.charAt(i) != '='
          && text.charAt(i) != '"'
          && !Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      String key = text.substring(keyStart, i);
      if (key.isEmpty()) {
        throw new IllegalArgumentException(
            "malformed 'tags' parameter, expecting key=value at position " + (i + 1));
      }
      if (i == n || Character.isWhitespace(text.charAt(i))) {
        out.put(key, "true");
        continue;
      }
      if (text.charAt(i) == '"') {
        throw new IllegalArgumentException(
            "malformed 'tags' parameter, unexpected '\"' in key at position " + (i + 1));
      }
      i++; // '='
      if (i < n && text.charAt(i) == '"') {
        StringBuilder value = new StringBuilder();
        i++;
        boolean closed = false;
        while (i < n) {
          char c = text.charAt(i++);
          if (c == '"') {
            closed = true;
            break;
          }
          if (c == '\\' && i < n) {
            char e = text.charAt(i++);
            value.append(
                switch (e) {
                  case 'n' -> '\n';
                  case 't' -> '\t';
                  case 'r' -> '\r';
                  default -> e;
                });
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          throw new IllegalArgumentException(
              "malformed 'tags' parameter, unterminated quoted value of '" + key + "'");
        }
        out.put(key, value.toString());
      } else {
        int valueStart = i;
        while (i < n && !Character.isWhitespace(text.charAt(i))) {
          i++;
        }
        out.put(key, text.substring(valueStart, i));
      }
    }
  }
}
