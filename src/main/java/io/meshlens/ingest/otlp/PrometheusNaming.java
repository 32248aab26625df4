package io.meshlens.ingest.otlp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns OTLP metric names, units and attribute keys into Prometheus metric and label names, the way
 * Prometheus' own OTLP receiver does with its default translation strategy {@code
 * UnderscoreEscapingWithSuffixes} (library {@code github.com/prometheus/otlptranslator}: {@code
 * MetricNamer} with {@code WithMetricSuffixes}, {@code LabelNamer} with Prometheus' default {@code
 * label_name_underscore_sanitization: true} and {@code label_name_preserve_multiple_underscores:
 * true}).
 *
 * <p>Following the reference byte for byte matters: a tenant's dashboards and alert rules are
 * written against the names Prometheus would have produced from the same OTLP data, so any
 * divergence silently breaks queries.
 *
 * <pre>{@code
 * PrometheusNaming.metricName("http.server.duration", "ms", MetricType.HISTOGRAM);
 * // "http_server_duration_milliseconds"
 * PrometheusNaming.labelName("k8s.pod.name"); // "k8s_pod_name"
 * }</pre>
 */
public final class PrometheusNaming {

  /** The OTLP metric kinds that the naming rules tell apart. */
  public enum MetricType {
    GAUGE,
    MONOTONIC_COUNTER,
    NON_MONOTONIC_COUNTER,
    HISTOGRAM,
    EXPONENTIAL_HISTOGRAM,
    SUMMARY
  }

  private static final Map<String, String> UNITS =
      Map.ofEntries(
          Map.entry("d", "days"),
          Map.entry("h", "hours"),
          Map.entry("min", "minutes"),
          Map.entry("s", "seconds"),
          Map.entry("ms", "milliseconds"),
          Map.entry("us", "microseconds"),
          Map.entry("ns", "nanoseconds"),
          Map.entry("By", "bytes"),
          Map.entry("KiBy", "kibibytes"),
          Map.entry("MiBy", "mebibytes"),
          Map.entry("GiBy", "gibibytes"),
          Map.entry("TiBy", "tibibytes"),
          Map.entry("KBy", "kilobytes"),
          Map.entry("MBy", "megabytes"),
          Map.entry("GBy", "gigabytes"),
          Map.entry("TBy", "terabytes"),
          Map.entry("m", "meters"),
          Map.entry("V", "volts"),
          Map.entry("A", "amperes"),
          Map.entry("J", "joules"),
          Map.entry("W", "watts"),
          Map.entry("g", "grams"),
          Map.entry("Cel", "celsius"),
          Map.entry("Hz", "hertz"),
          Map.entry("1", ""),
          Map.entry("%", "percent"));

  private static final Map<String, String> PER_UNITS =
      Map.of(
          "s", "second",
          "m", "minute",
          "h", "hour",
          "d", "day",
          "w", "week",
          "mo", "month",
          "y", "year");

  private PrometheusNaming() {}

  /**
   * The Prometheus metric family name for an OTLP metric, or {@code ""} when nothing valid is left
   * (Prometheus rejects such a metric).
   *
   * <p>Every character outside {@code [a-zA-Z0-9:]} separates words, so runs of them, and {@code _}
   * itself, collapse into one {@code _} and leading or trailing ones disappear; the unit is
   * appended unless the name already has that word; monotonic counters end in {@code _total} and
   * gauges of unit {@code 1} in {@code _ratio}, moved to the end when already present.
   */
  public static String metricName(String name, String unit, MetricType type) {
    List<String> tokens = splitMetricWords(name);

    String[] unitSuffixes = unitSuffixes(unit);
    String mainSuffix = cleanUpUnit(unitSuffixes[0]);
    String perSuffix = cleanUpUnit(unitSuffixes[1]);
    if (tokens.contains(mainSuffix)) {
      mainSuffix = "";
    }
    if (perSuffix.equals("per_")) {
      perSuffix = "";
    } else {
      perSuffix = trimSuffix(perSuffix, "_");
      if (tokens.contains(perSuffix)) {
        perSuffix = "";
      }
    }
    if (!perSuffix.isEmpty()) {
      mainSuffix = trimSuffix(mainSuffix, "_");
    }
    if (!mainSuffix.isEmpty()) {
      tokens.add(mainSuffix);
    }
    if (!perSuffix.isEmpty()) {
      tokens.add(perSuffix);
    }

    if (type == MetricType.MONOTONIC_COUNTER) {
      moveToEnd(tokens, "total");
    }
    // Only gauges: some receivers wrongly give counters of objects the unit "1".
    if (type == MetricType.GAUGE && unit.equals("1")) {
      moveToEnd(tokens, "ratio");
    }

    String joined = String.join("_", tokens);
    if (!joined.isEmpty() && isAsciiDigit(joined.charAt(0))) {
      return "_" + joined;
    }
    return joined;
  }

  /**
   * The Prometheus label name for an attribute key, or {@code null} when the key cannot be one
   * (empty, or only underscores once sanitized), in which case Prometheus rejects the data point.
   *
   * <p>Each character outside {@code [a-zA-Z0-9_]} becomes {@code _} (runs are kept); a leading
   * digit gets {@code key_} and a single leading underscore {@code key} in front. Names starting
   * with {@code __} are kept as they are: Prometheus leaves reserved-looking names alone.
   */
  public static String labelName(String key) {
    int n = key.length();
    if (n == 0) {
      return null;
    }
    String name = key;
    for (int i = 0; i < n; i++) {
      if (!isLabelChar(key.charAt(i))) {
        name = sanitizeLabel(key);
        break;
      }
    }
    char first = name.charAt(0);
    if (isAsciiDigit(first)) {
      return "key_" + name;
    }
    if (first == '_' && (name.length() == 1 || name.charAt(1) != '_')) {
      return "key" + name;
    }
    for (int i = 0; i < name.length(); i++) {
      if (name.charAt(i) != '_') {
        return name;
      }
    }
    return null;
  }

  private static String sanitizeLabel(String key) {
    StringBuilder sb = new StringBuilder(key.length());
    for (int i = 0; i < key.length(); ) {
      int cp = key.codePointAt(i);
      sb.append(cp < 128 && isLabelChar((char) cp) ? (char) cp : '_');
      i += Character.charCount(cp);
    }
    return sb.toString();
  }

  private static List<String> splitMetricWords(String name) {
    List<String> tokens = new ArrayList<>(8);
    int start = -1;
    for (int i = 0; i < name.length(); i++) {
      if (isMetricWordChar(name.charAt(i))) {
        if (start < 0) {
          start = i;
        }
      } else if (start >= 0) {
        tokens.add(name.substring(start, i));
        start = -1;
      }
    }
    if (start >= 0) {
      tokens.add(name.substring(start));
    }
    return tokens;
  }

  /** {main, per}: the unit words before any clean-up; either may be empty. */
  private static String[] unitSuffixes(String unit) {
    int slash = unit.indexOf('/');
    String mainUnit = slash < 0 ? unit : unit.substring(0, slash);
    String mainSuffix = "";
    String main = goTrimSpace(mainUnit);
    if (!main.isEmpty() && !hasBraces(main)) {
      mainSuffix = UNITS.getOrDefault(main, main);
    }
    String perSuffix = "";
    if (slash >= 0 && slash + 1 < unit.length()) {
      String per = goTrimSpace(unit.substring(slash + 1));
      if (!per.isEmpty() && !hasBraces(per)) {
        perSuffix = PER_UNITS.getOrDefault(per, per);
      }
      if (!perSuffix.isEmpty()) {
        perSuffix = "per_" + perSuffix;
      }
    }
    return new String[] {mainSuffix, perSuffix};
  }

  /** Invalid characters to {@code _}, runs of {@code _} to one, and one leading {@code _} off. */
  private static String cleanUpUnit(String unit) {
    if (unit.isEmpty()) {
      return unit;
    }
    StringBuilder sb = new StringBuilder(unit.length());
    for (int i = 0; i < unit.length(); i++) {
      char c = unit.charAt(i);
      char mapped = isMetricWordChar(c) ? c : '_';
      if (mapped == '_' && sb.length() > 0 && sb.charAt(sb.length() - 1) == '_') {
        continue;
      }
      sb.append(mapped);
    }
    if (sb.length() > 0 && sb.charAt(0) == '_') {
      sb.deleteCharAt(0);
    }
    return sb.toString();
  }

  private static void moveToEnd(List<String> tokens, String word) {
    tokens.removeIf(word::equals);
    tokens.add(word);
  }

  private static String trimSuffix(String s, String suffix) {
    return s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
  }

  private static boolean hasBraces(String s) {
    return s.indexOf('{') >= 0 || s.indexOf('}') >= 0;
  }

  /** Go's {@code strings.TrimSpace}: Unicode white space, including U+0085 and U+00A0. */
  private static String goTrimSpace(String s) {
    int start = 0;
    int end = s.length();
    while (start < end && isGoSpace(s.charAt(start))) {
      start++;
    }
    while (end > start && isGoSpace(s.charAt(end - 1))) {
      end--;
    }
    return start == 0 && end == s.length() ? s : s.substring(start, end);
  }

  private static boolean isGoSpace(char c) {
    return c == ' '
        || (c >= '\t' && c <= '\r')
        || c == '\u0085'
        || c == '\u00a0'
        || Character.isSpaceChar(c);
  }

  private static boolean isMetricWordChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isAsciiDigit(c) || c == ':';
  }

  private static boolean isLabelChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isAsciiDigit(c) || c == '_';
  }

  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }
}
