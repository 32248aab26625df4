package io.meshlens.dashboards;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Grafana dashboard file read as Grafana reads it: its audience (tag {@code meshlens-tenant} or
 * {@code meshlens-sre}), template variables, and every query of every panel (rows' nested panels
 * included) with the data source type that runs it.
 */
record GrafanaDashboard(Path file, JsonNode json) {

  /** Who a dashboard is for, from its tags: the token that must make every panel work. */
  enum Audience {
    TENANT,
    SRE
  }

  /** One target of one panel. */
  record Query(
      String panel, String refId, String datasourceType, String datasourceUid, JsonNode target) {}

  /** A template variable as it stands in the file. */
  record Variable(String name, String type, JsonNode json) {

    boolean selectsAll() {
      JsonNode v = json.path("current").path("value");
      return (v.isArray() && v.size() > 0 && v.get(0).asText().equals("$__all"))
          || v.asText().equals("$__all");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  static List<GrafanaDashboard> all(Path dir) throws IOException {
    List<GrafanaDashboard> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
        out.add(new GrafanaDashboard(f, JSON.readTree(f.toFile())));
      }
    }
    return out;
  }

  String name() {
    return file.getFileName().toString();
  }

  String uid() {
    return json.path("uid").asText();
  }

  Audience audience() {
    List<String> tags = new ArrayList<>();
    json.path("tags").forEach(t -> tags.add(t.asText()));
    if (tags.contains("meshlens-sre")) {
      return Audience.SRE;
    }
    if (tags.contains("meshlens-tenant")) {
      return Audience.TENANT;
    }
    throw new IllegalStateException(name() + ": tag it meshlens-tenant or meshlens-sre");
  }

  List<Variable> variables() {
    List<Variable> out = new ArrayList<>();
    json.path("templating")
        .path("list")
        .forEach(v -> out.add(new Variable(v.path("name").asText(), v.path("type").asText(), v)));
    return out;
  }

  /** Data source variables by name, with the plugin type each selects. */
  Map<String, String> datasourceVariables() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Variable v : variables()) {
      if (v.type().equals("datasource")) {
        out.put(v.name(), v.json().path("query").asText());
      }
    }
    return out;
  }

  List<Query> queries() {
    List<Query> out = new ArrayList<>();
    collect(json.path("panels"), out);
    return out;
  }

  private static void collect(JsonNode panels, List<Query> out) {
    for (JsonNode panel : panels) {
      collect(panel.path("panels"), out); // a collapsed row keeps its panels inside
      for (JsonNode target : panel.path("targets")) {
        JsonNode ds =
            target.has("datasource") ? target.path("datasource") : panel.path("datasource");
        out.add(
            new Query(
                panel.path("title").asText(),
                target.path("refId").asText(),
                ds.path("type").asText(),
                ds.path("uid").asText(),
                target));
      }
    }
  }

  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\{(\\w+)(?::\\w+)?}|\\[\\[(\\w+)]]|\\$(\\w+)");

  /**
   * The text with Grafana's variables replaced: the built-in interval variables (for a one-hour
   * dashboard range, 15 s scrape interval: {@code $__rate_interval} is at least four scrape
   * intervals, 1m), then the dashboard's own variables from {@code values}. An unknown variable is
   * an error (Grafana would send it as it is and the query would fail or match nothing), except
   * {@code $1}-style group references of {@code label_replace}.
   */
  static String substitute(String text, Map<String, String> values) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("__rate_interval", "1m");
    all.put("__interval", "15s");
    all.put("__interval_ms", "15000");
    all.put("__range", "3600s");
    all.put("__range_s", "3600");
    all.put("__auto", "1m");
    all.putAll(values);
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      String value = all.get(name);
      if (value == null && Character.isDigit(name.charAt(0))) {
        value = m.group(); // "$1" in label_replace: Grafana has no such variable and leaves it
      } else if (value == null) {
        throw new IllegalArgumentException("unknown variable $" + name + " in: " + text);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
