package io.meshlens.store.spans;

import java.util.Map;

/**
 * The span attributes' JSON text: a flat object of strings, written as Jackson's default {@code
 * ObjectMapper} writes a {@code Map<String, String>} (no whitespace; {@code "} and {@code \}
 * escaped with a backslash, {@code \b \t \n \f \r} by their short escapes, the other control
 * characters below U+0020 as {@code \}{@code u00XX} with upper-case hex digits, everything else as
 * it is), and the check that a text is such an object.
 */
final class JsonStrings {

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private JsonStrings() {}

  /** The map as a JSON object, in the map's order. */
  static String write(Map<String, String> map) {
    if (map.isEmpty()) {
      return "{}";
    }
    int length = 2;
    for (Map.Entry<String, String> e : map.entrySet()) {
      length += e.getKey().length() + e.getValue().length() + 6;
    }
    // Room for every character plus a few escapes: one allocation for most maps.
    StringBuilder sb = new StringBuilder(length + 16);
    sb.append('{');
    boolean first = true;
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      string(sb, e.getKey());
      sb.append(':');
      string(sb, e.getValue());
    }
    return sb.append('}').toString();
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    int n = s.length();
    int first = 0;
    while (first < n) {
      char c = s.charAt(first);
      if (c < 0x20 || c == '"' || c == '\\') {
        break;
      }
      first++;
    }
    if (first == n) {
      // Nothing to escape, as for nearly every attribute: one copy.
      sb.append(s).append('"');
      return;
    }
    int from = 0;
    for (int i = first; i < n; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c != '"' && c != '\\') {
        continue;
      }
      sb.append(s, from, i);
      from = i + 1;
      sb.append('\\');
      switch (c) {
        case '"' -> sb.append('"');
        case '\\' -> sb.append('\\');
        case '\b' -> sb.append('b');
        case '\t' -> sb.append('t');
        case '\n' -> sb.append('n');
        case '\f' -> sb.append('f');
        case '\r' -> sb.append('r');
        default -> sb.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
      }
    }
    sb.append(s, from, n).append('"');
  }

  /**
   * Whether {@code text} is a JSON object whose values are all strings, without whitespace, whose
   * strings hold no raw control character and no escaped surrogate: what {@link #write} writes, and
   * text that DuckDB's {@code CAST(... AS JSON)} accepts and keeps as it is.
   */
  static boolean isObject(String text) {
    int n = text.length();
    if (n < 2 || text.charAt(0) != '{' || text.charAt(n - 1) != '}') {
      return false;
    }
    if (n == 2) {
      return true;
    }
    int i = 1;
    while (true) {
      i = string(text, i, n - 1);
      if (i < 0 || i >= n - 1 || text.charAt(i) != ':') {
        return false;
      }
      i = string(text, i + 1, n - 1);
      if (i < 0) {
        return false;
      }
      if (i == n - 1) {
        return true;
      }
      if (text.charAt(i) != ',') {
        return false;
      }
      i++;
    }
  }

  /**
   * The index after the string starting at {@code i}, or -1 when there is none before {@code end}.
   */
  private static int string(String t, int i, int end) {
    if (i >= end || t.charAt(i) != '"') {
      return -1;
    }
    i++;
    while (i < end) {
      char c = t.charAt(i);
      if (c == '"') {
        return i + 1;
      }
      if (c < 0x20) {
        return -1;
      }
      if (c == '\\') {
        if (i + 1 >= end) {
          return -1;
        }
        char e = t.charAt(i + 1);
        switch (e) {
          case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> i += 2;
          case 'u' -> {
            if (i + 6 > end) {
              return -1;
            }
            int v = 0;
            for (int k = i + 2; k < i + 6; k++) {
              int d = Character.digit(t.charAt(k), 16);
              if (d < 0 || t.charAt(k) > 'f') {
                return -1;
              }
              v = v << 4 | d;
            }
            if (v >= 0xD800 && v <= 0xDFFF) {
              return -1;
            }
            i += 6;
          }
          default -> {
            return -1;
          }
        }
      } else {
        i++;
      }
    }
    return -1;
  }
}
