package io.meshlens.query.logql;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.meshlens.store.logs.StoredLog;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels {@code | json} and {@code | logfmt} add for an access log entry.
 *
 * <p>Both start from the fields the store parsed at ingest, named by Istio's JSON access log keys,
 * so that one query works on every line format (Istio JSON, Istio TEXT, Envoy's OpenTelemetry
 * logger): {@code method}, {@code path}, {@code authority}, {@code response_code}, {@code
 * response_flags}, {@code duration} (milliseconds), {@code bytes_sent}, {@code bytes_received},
 * {@code upstream_cluster}, {@code request_id}, {@code trace_id}. Empty fields are left out, as
 * Loki leaves out empty labels.
 *
 * <p>Then, as Loki's parsers would, {@code | json} adds every other key of a JSON line (nested
 * objects flattened with {@code _}, {@code null} skipped) and {@code | logfmt} every {@code
 * key=value} pair of a line that has them (ztunnel lines). Keys are sanitised as Loki does:
 * characters outside {@code [a-zA-Z0-9_]} become {@code _}. The parsed fields win over the line's
 * text for their keys, so legacy all-string lines ({@code "response_code":"200"}, {@code "-"} for
 * absent) read the same as typed ones.
 */
final class AccessLogFields {

  private static final JsonFactory JSON = new JsonFactory();

  private AccessLogFields() {}

  static Map<String, String> extract(StoredLog log, LogqlExpr.ParserKind kind) {
    Map<String, String> out = new LinkedHashMap<>();
    if (kind == LogqlExpr.ParserKind.JSON) {
      json(log.raw(), out);
    } else {
      logfmt(log.raw(), out);
    }
    put(out, "method", log.method());
    put(out, "path", log.path());
    put(out, "authority", log.authority());
    put(out, "response_code", log.responseCode() == 0 ? "" : Integer.toString(log.responseCode()));
    put(out, "response_flags", log.responseFlags());
    put(out, "duration", Long.toString(log.durationMs()));
    put(out, "bytes_sent", Long.toString(log.bytesSent()));
    put(out, "bytes_received", Long.toString(log.bytesReceived()));
    put(out, "upstream_cluster", log.upstreamCluster());
    put(out, "request_id", log.requestId());
    put(out, "trace_id", log.traceId());
    return out;
  }

  private static void put(Map<String, String> out, String key, String value) {
    if (value.isEmpty()) {
      out.remove(key);
    } else {
      out.put(key, value);
    }
  }

  /** Loki's label key sanitising. */
  static String sanitize(String key) {
    StringBuilder b = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (c >= '0' && c <= '9');
      b.append(ok ? c : '_');
    }
    if (b.length() > 0 && Character.isDigit(b.charAt(0))) {
      b.insert(0, '_');
    }
    return b.toString();
  }

  private static void json(String line, Map<String, String> out) {
    String t = line.stripLeading();
    if (!t.startsWith("{")) {
      return;
    }
    try (JsonParser p = JSON.createParser(t)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return;
      }
      object(p, "", out);
    } catch (IOException e) {
      // Not a JSON line after all: only the parsed fields.
    }
  }

  private static void object(JsonParser p, String prefix, Map<String, String> out)
      throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String key = prefix + sanitize(p.currentName());
      JsonToken v = p.nextToken();
      switch (v) {
        case START_OBJECT -> object(p, key + "_", out);
        case START_ARRAY -> p.skipChildren();
        case VALUE_NULL -> {}
        case VALUE_STRING -> {
          if (!p.getText().isEmpty()) {
            out.put(key, p.getText());
          }
        }
        default -> out.put(key, p.getText());
      }
    }
  }

  private static void logfmt(String line, Map<String, String> out) {
    if (line.stripLeading().startsWith("{")) {
      return;
    }
    int i = 0;
    int n = line.length();
    while (i < n) {
      while (i < n && Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      int keyStart = i;
      while (i < n && line.charAt(i) != '=' && !Character.isWhitespace(line.charAt(i))) {
        i++;
      }
      if (i >= n || line.charAt(i) != '=' || i == keyStart) {
        // A bare word (the time, the level, the message of a ztunnel line): no pair.
        while (i < n && !Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        continue;
      }
      String key = sanitize(line.substring(keyStart, i));
      i++;
      String value;
      if (i < n && line.charAt(i) == '"') {
        StringBuilder b = new StringBuilder();
        i++;
        while (i < n && line.charAt(i) != '"') {
          if (line.charAt(i) == '\\' && i + 1 < n) {
            i++;
          }
          b.append(line.charAt(i++));
        }
        i++;
        value = b.toString();
      } else {
        int start = i;
        while (i < n && !Character.isWhitespace(line.charAt(i))) {
          i++;
        }
        value = line.substring(start, i);
      }
      if (!value.isEmpty()) {
        out.put(key, value);
      }
    }
  }
}
