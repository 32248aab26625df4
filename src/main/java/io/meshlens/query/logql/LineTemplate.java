package io.meshlens.query.logql;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The template of {@code | line_format "..."}: Loki's Go {@code text/template} subset that
 * dashboards use, text with {@code {{.label}}} (a label or parsed field; empty when absent) and
 * {@code {{__line__}}} (the line as stored). Any other action is refused when the query is parsed.
 */
final class LineTemplate {

  private static final Pattern ACTION = Pattern.compile("\\{\\{-?\\s*(.*?)\\s*-?\\}\\}");
  private static final Pattern FIELD = Pattern.compile("\\.([a-zA-Z_][a-zA-Z0-9_]*)");

  /** A literal piece (field null) or a reference to a label, or to the line ({@code null}). */
  private record Part(String literal, String field, boolean line) {}

  private final String source;
  private final List<Part> parts;

  private LineTemplate(String source, List<Part> parts) {
    this.source = source;
    this.parts = parts;
  }

  /**
   * @throws LogqlException when the template uses an action outside the subset
   */
  static LineTemplate parse(String template, int col) {
    List<Part> parts = new ArrayList<>();
    Matcher m = ACTION.matcher(template);
    int at = 0;
    while (m.find()) {
      if (m.start() > at) {
        parts.add(new Part(template.substring(at, m.start()), null, false));
      }
      String action = m.group(1);
      Matcher f = FIELD.matcher(action);
      if (f.matches()) {
        parts.add(new Part(null, f.group(1), false));
      } else if (action.equals("__line__")) {
        parts.add(new Part(null, null, true));
      } else {
        throw LogqlException.parse(
            col,
            "line_format: only {{.label}} and {{__line__}} are supported, not {{" + action + "}}");
      }
      at = m.end();
    }
    String rest = template.substring(at);
    if (rest.contains("{{")) {
      throw LogqlException.parse(col, "line_format: unclosed action in \"" + template + "\"");
    }
    if (!rest.isEmpty()) {
      parts.add(new Part(rest, null, false));
    }
    return new LineTemplate(template, List.copyOf(parts));
  }

  /** The new line, from the labels at this stage and the line so far. */
  String render(Map<String, String> labels, String line) {
    StringBuilder sb = new StringBuilder();
    for (Part p : parts) {
      if (p.literal() != null) {
        sb.append(p.literal());
      } else if (p.line()) {
        sb.append(line);
      } else {
        sb.append(labels.getOrDefault(p.field(), ""));
      }
    }
    return sb.toString();
  }

  String source() {
    return source;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LineTemplate t && t.source.equals(source);
  }

  @Override
  public int hashCode() {
    return source.hashCode();
  }

  @Override
  public String toString() {
    return "line_format \"" + source + "\"";
  }
}
