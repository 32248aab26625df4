package io.meshlens.testdata;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.AggregationTemporality;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Histogram;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.metrics.v1.Sum;
import io.opentelemetry.proto.metrics.v1.Summary;
import io.opentelemetry.proto.metrics.v1.SummaryDataPoint;
import io.opentelemetry.proto.resource.v1.Resource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns a Prometheus text exposition (format 0.0.4) into the {@code ExportMetricsServiceRequest}
 * that an OpenTelemetry Collector {@code prometheus} receiver would send after scraping it, so that
 * tests can feed real scrapes (Istio proxies, istiod) through the OTLP ingest path.
 *
 * <p>What the receiver does and this class copies (receiver/prometheusreceiver/internal: {@code
 * metricfamily.go}, {@code metadata.go}, {@code util.go}):
 *
 * <ul>
 *   <li>{@code counter} families become monotonic cumulative Sums named exactly as the {@code #
 *       TYPE} line says: the receiver's {@code trim_metric_suffixes} is off by default (and the old
 *       {@code pkg.translator.prometheus.NormalizeName} gate has been alpha, i.e. off, since
 *       collector-contrib 0.80), so {@code istio_requests_total} keeps its {@code _total};
 *   <li>{@code gauge} and {@code untyped} families become Gauges ({@code untyped} is reported as
 *       type {@code unknown});
 *   <li>{@code histogram} families become cumulative explicit-bucket Histograms: {@code _bucket}
 *       samples sorted by {@code le}, cumulative counts turned into per-bucket counts, the {@code
 *       +Inf} bucket dropped from the bounds and the last count taken from {@code _count};
 *   <li>{@code summary} families become Summaries with their quantiles, {@code _sum} and {@code
 *       _count};
 *   <li>labels become data point attributes, except {@code __name__}, {@code le} (histograms) and
 *       {@code quantile} (summaries); empty values are dropped; exposed {@code job} and {@code
 *       instance} labels arrive as {@code exported_job} and {@code exported_instance}, as a scrape
 *       with {@code honor_labels: false} renames them;
 *   <li>a histogram or summary without {@code _count} is dropped, and so is a histogram whose
 *       bucket counts decrease or exceed {@code _count};
 *   <li>values are doubles; timestamps are the sample's own or the scrape's, in nanoseconds; HELP
 *       becomes the description and the Prometheus type the {@code prometheus.type} metadata.
 * </ul>
 *
 * <p>Not copied: the receiver's own {@code up} and {@code scrape_*} metrics, the resource
 * attributes it derives from the target (the caller passes the resource attributes instead), start
 * times from its metric adjuster (start times stay unset), and exemplars.
 */
public final class PromTextToOtlp {

  public static final String SCOPE_NAME =
      "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver";

  private static final Set<String> TYPES =
      Set.of("counter", "gauge", "histogram", "summary", "untyped");
  private static final List<String> TRIMMABLE_SUFFIXES =
      List.of("_bucket", "_count", "_sum", "_total", "_info", "_created");

  private PromTextToOtlp() {}

  /** One sample line: name, labels (sorted by name, as given), value and optional timestamp. */
  public record Sample(
      String name, Map<String, String> labels, double value, Long timestampMillis, int line) {}

  /** What a {@code # TYPE} / {@code # HELP} pair says about a family. */
  public record FamilyMetadata(String type, String help) {}

  /** A parsed exposition: metadata by family name, and samples in file order. */
  public record Exposition(Map<String, FamilyMetadata> metadata, List<Sample> samples) {}

  public static ExportMetricsServiceRequest convert(
      Path file, Map<String, String> resourceAttributes, long scrapeTimestampMillis)
      throws IOException {
    return convert(
        Files.readString(file, StandardCharsets.UTF_8), resourceAttributes, scrapeTimestampMillis);
  }

  /**
   * The OTLP request for one scrape of {@code exposition}: one resource with {@code
   * resourceAttributes} (in their iteration order), one scope, one metric per family in order of
   * first appearance.
   *
   * @throws IllegalArgumentException on a malformed line, naming the line
   */
  public static ExportMetricsServiceRequest convert(
      String exposition, Map<String, String> resourceAttributes, long scrapeTimestampMillis) {
    Exposition parsed = parse(exposition);
    Map<String, FamilyBuilder> families = new LinkedHashMap<>();
    for (Sample sample : parsed.samples()) {
      String familyName = sample.name();
      FamilyMetadata metadata = parsed.metadata().get(familyName);
      if (metadata == null || metadata.type() == null) {
        String trimmed = trimSuffix(sample.name());
        FamilyMetadata merged = parsed.metadata().get(trimmed);
        if (merged != null && merged.type() != null) {
          metadata = merged;
          // A counter family keeps the sample's name; histograms and summaries merge under theirs.
          familyName = merged.type().equals("counter") ? sample.name() : trimmed;
        }
      }
      if (metadata == null) {
        metadata = new FamilyMetadata(null, "");
      }
      FamilyMetadata finalMetadata = metadata;
      families
          .computeIfAbsent(familyName, n -> new FamilyBuilder(n, finalMetadata))
          .add(sample, scrapeTimestampMillis);
    }

    ScopeMetrics.Builder scope =
        ScopeMetrics.newBuilder().setScope(InstrumentationScope.newBuilder().setName(SCOPE_NAME));
    for (FamilyBuilder family : families.values()) {
      Metric metric = family.build();
      if (metric != null) {
        scope.addMetrics(metric);
      }
    }
    Resource.Builder resource = Resource.newBuilder();
    resourceAttributes.forEach((k, v) -> resource.addAttributes(stringAttribute(k, v)));
    return ExportMetricsServiceRequest.newBuilder()
        .addResourceMetrics(
            ResourceMetrics.newBuilder().setResource(resource).addScopeMetrics(scope))
        .build();
  }

  /** Parses the exposition without converting it. */
  public static Exposition parse(String exposition) {
    Map<String, FamilyMetadata> metadata = new HashMap<>();
    List<Sample> samples = new ArrayList<>();
    String[] lines = exposition.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      int lineNo = i + 1;
      if (line.isBlank()) {
        continue;
      }
      if (line.stripLeading().startsWith("#")) {
        parseComment(line.stripLeading(), lineNo, metadata);
        continue;
      }
      samples.add(new SampleParser(line, lineNo).parse());
    }
    return new Exposition(metadata, samples);
  }

  private static void parseComment(String line, int lineNo, Map<String, FamilyMetadata> metadata) {
    String[] parts = line.substring(1).strip().split("[ \t]+", 3);
    if (parts.length < 2 || !(parts[0].equals("HELP") || parts[0].equals("TYPE"))) {
      return;
    }
    String name = parts[1];
    String rest = parts.length == 3 ? parts[2] : "";
    FamilyMetadata old = metadata.getOrDefault(name, new FamilyMetadata(null, ""));
    if (parts[0].equals("TYPE")) {
      String type = rest.strip();
      if (!TYPES.contains(type)) {
        throw new IllegalArgumentException(
            "line " + lineNo + ": unknown metric type \"" + type + "\"");
      }
      metadata.put(name, new FamilyMetadata(type, old.help()));
    } else {
      metadata.put(name, new FamilyMetadata(old.type(), unescapeHelp(rest)));
    }
  }

  private static String unescapeHelp(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char next = s.charAt(i + 1);
        if (next == '\\' || next == 'n') {
          sb.append(next == 'n' ? '\n' : '\\');
          i++;
          continue;
        }
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private static String trimSuffix(String name) {
    for (String suffix : TRIMMABLE_SUFFIXES) {
      if (name.endsWith(suffix) && !name.equals(suffix)) {
        return name.substring(0, name.length() - suffix.length());
      }
    }
    return name;
  }

  private static KeyValue stringAttribute(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  /**
   * Go's {@code strconv.ParseFloat}, which the Prometheus parser uses: also "Inf", "+Inf", "NaN" in
   * any case, but not Java's "1d" or "1f" forms.
   */
  static double parseGoFloat(String text) {
    boolean negative = text.startsWith("-");
    String unsigned = negative || text.startsWith("+") ? text.substring(1) : text;
    if (unsigned.equalsIgnoreCase("inf") || unsigned.equalsIgnoreCase("infinity")) {
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    if (unsigned.equalsIgnoreCase("nan")) {
      return Double.NaN;
    }
    if (!unsigned.matches("(?i)0x[0-9a-f.]+p[-+]?[0-9]+|[0-9.]*[0-9][0-9.]*(e[-+]?[0-9]+)?")) {
      throw new NumberFormatException(text);
    }
    return Double.parseDouble(text);
  }

  /** Reads one sample line: {@code name{label="value",...} value [timestamp]}. */
  private static final class SampleParser {
    private final String line;
    private final int lineNo;
    private int pos;

    SampleParser(String line, int lineNo) {
      this.line = line;
      this.lineNo = lineNo;
    }

    Sample parse() {
      skipBlanks();
      String name = readName(true);
      skipBlanks();
      Map<String, String> labels = new TreeMap<>();
      if (pos < line.length() && line.charAt(pos) == '{') {
        pos++;
        readLabels(labels);
      }
      skipBlanks();
      String valueText = readToken();
      if (valueText.isEmpty()) {
        throw error("missing value");
      }
      double value = parseValue(valueText);
      skipBlanks();
      Long timestamp = null;
      String timestampText = readToken();
      if (!timestampText.isEmpty()) {
        try {
          timestamp = Long.parseLong(timestampText);
        } catch (NumberFormatException e) {
          throw error("bad timestamp \"" + timestampText + "\"");
        }
      }
      skipBlanks();
      if (pos != line.length()) {
        throw error("unexpected text \"" + line.substring(pos) + "\"");
      }
      return new Sample(name, labels, value, timestamp, lineNo);
    }

    private void readLabels(Map<String, String> labels) {
      while (true) {
        skipBlanks();
        if (pos < line.length() && line.charAt(pos) == '}') {
          pos++;
          return;
        }
        String name = readName(false);
        skipBlanks();
        expect('=');
        skipBlanks();
        expect('"');
        String value = readLabelValue();
        if (labels.put(name, value) != null) {
          throw error("label \"" + name + "\" given twice");
        }
        skipBlanks();
        if (pos < line.length() && line.charAt(pos) == ',') {
          pos++;
        } else if (pos >= line.length() || line.charAt(pos) != '}') {
          throw error("expected ',' or '}' after label \"" + name + "\"");
        }
      }
    }

    /**
     * Prometheus unescapes only \\, \" and \n in label values and keeps other pairs as they are.
     */
    private String readLabelValue() {
      StringBuilder sb = new StringBuilder();
      while (pos < line.length()) {
        char c = line.charAt(pos++);
        if (c == '"') {
          return sb.toString();
        }
        if (c == '\\' && pos < line.length()) {
          char next = line.charAt(pos++);
          switch (next) {
            case '\\':
              sb.append('\\');
              break;
            case '"':
              sb.append('"');
              break;
            case 'n':
              sb.append('\n');
              break;
            default:
              sb.append('\\').append(next);
          }
        } else {
          sb.append(c);
        }
      }
      throw error("unterminated label value");
    }

    private String readName(boolean metric) {
      int start = pos;
      while (pos < line.length()) {
        char c = line.charAt(pos);
        boolean ok =
            (c >= 'a' && c <= 'z')
                || (c >= 'A' && c <= 'Z')
                || c == '_'
                || (metric && c == ':')
                || (pos > start && c >= '0' && c <= '9');
        if (!ok) {
          break;
        }
        pos++;
      }
      if (pos == start) {
        throw error("expected a " + (metric ? "metric" : "label") + " name");
      }
      return line.substring(start, pos);
    }

    private String readToken() {
      int start = pos;
      while (pos < line.length() && line.charAt(pos) != ' ' && line.charAt(pos) != '\t') {
        pos++;
      }
      return line.substring(start, pos);
    }

    private double parseValue(String text) {
      try {
        return parseGoFloat(text);
      } catch (NumberFormatException e) {
        throw error("bad value \"" + text + "\"");
      }
    }

    private void expect(char c) {
      if (pos >= line.length() || line.charAt(pos) != c) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    private void skipBlanks() {
      while (pos < line.length() && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
        pos++;
      }
    }

    private IllegalArgumentException error(String message) {
      return new IllegalArgumentException(
          "line " + lineNo + ", column " + (pos + 1) + ": " + message + ": " + line);
    }
  }

  /** Collects the samples of one family, grouped by series as the receiver's metricGroup does. */
  private static final class FamilyBuilder {
    private final String name;
    private final FamilyMetadata metadata;
    private final String type;
    private final Map<Map<String, String>, Group> groups = new LinkedHashMap<>();

    FamilyBuilder(String name, FamilyMetadata metadata) {
      this.name = name;
      this.metadata = metadata;
      this.type = metadata.type() == null ? "untyped" : metadata.type();
    }

    void add(Sample sample, long scrapeTimestampMillis) {
      String boundaryLabel =
          type.equals("histogram") ? "le" : type.equals("summary") ? "quantile" : null;
      Map<String, String> attributes = attributes(sample.labels(), boundaryLabel);
      Group group = groups.computeIfAbsent(attributes, a -> new Group());
      long timestamp =
          sample.timestampMillis() != null ? sample.timestampMillis() : scrapeTimestampMillis;
      if (boundaryLabel == null) {
        group.timestampMillis = timestamp;
        group.value = sample.value();
        return;
      }
      if (sample.name().endsWith("_sum")) {
        group.sum = sample.value();
        group.hasSum = true;
      } else if (sample.name().endsWith("_count")) {
        group.timestampMillis = timestamp;
        group.count = sample.value();
        group.hasCount = true;
      } else {
        String boundary = sample.labels().get(boundaryLabel);
        if (boundary == null || boundary.isEmpty()) {
          throw new IllegalArgumentException(
              "line "
                  + sample.line()
                  + ": "
                  + type
                  + " sample without a '"
                  + boundaryLabel
                  + "' label");
        }
        double bound;
        try {
          bound = parseGoFloat(boundary);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              "line " + sample.line() + ": bad " + boundaryLabel + " \"" + boundary + "\"");
        }
        group.points.add(new double[] {bound, sample.value()});
      }
    }

    private static Map<String, String> attributes(Map<String, String> labels, String boundary) {
      Map<String, String> attributes = new TreeMap<>();
      labels.forEach(
          (k, v) -> {
            if (v.isEmpty() || k.equals("__name__") || k.equals(boundary)) {
              return;
            }
            if (k.equals("job") || k.equals("instance")) {
              k = "exported_" + k;
            }
            attributes.put(k, v);
          });
      return attributes;
    }

    Metric build() {
      Metric.Builder metric =
          Metric.newBuilder()
              .setName(name)
              .setDescription(metadata.help())
              .addMetadata(
                  stringAttribute("prometheus.type", type.equals("untyped") ? "unknown" : type));
      int points = 0;
      switch (type) {
        case "counter" -> {
          Sum.Builder sum =
              Sum.newBuilder()
                  .setIsMonotonic(true)
                  .setAggregationTemporality(
                      AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
          for (var e : groups.entrySet()) {
            sum.addDataPoints(numberPoint(e.getKey(), e.getValue()));
          }
          points = sum.getDataPointsCount();
          metric.setSum(sum);
        }
        case "histogram" -> {
          Histogram.Builder histogram =
              Histogram.newBuilder()
                  .setAggregationTemporality(
                      AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE);
          for (var e : groups.entrySet()) {
            HistogramDataPoint point = histogramPoint(e.getKey(), e.getValue());
            if (point != null) {
              histogram.addDataPoints(point);
            }
          }
          points = histogram.getDataPointsCount();
          metric.setHistogram(histogram);
        }
        case "summary" -> {
          Summary.Builder summary = Summary.newBuilder();
          for (var e : groups.entrySet()) {
            SummaryDataPoint point = summaryPoint(e.getKey(), e.getValue());
            if (point != null) {
              summary.addDataPoints(point);
            }
          }
          points = summary.getDataPointsCount();
          metric.setSummary(summary);
        }
        default -> {
          Gauge.Builder gauge = Gauge.newBuilder();
          for (var e : groups.entrySet()) {
            gauge.addDataPoints(numberPoint(e.getKey(), e.getValue()));
          }
          points = gauge.getDataPointsCount();
          metric.setGauge(gauge);
        }
      }
      return points == 0 ? null : metric.build();
    }

    private static NumberDataPoint numberPoint(Map<String, String> attributes, Group group) {
      NumberDataPoint.Builder point =
          NumberDataPoint.newBuilder().setTimeUnixNano(group.timestampMillis * 1_000_000L);
      attributes.forEach((k, v) -> point.addAttributes(stringAttribute(k, v)));
      return point.setAsDouble(group.value).build();
    }

    private static HistogramDataPoint histogramPoint(Map<String, String> attributes, Group group) {
      if (!group.hasCount) {
        return null;
      }
      List<double[]> buckets = group.sortedPoints();
      int bucketCount = buckets.size() + 1;
      if (bucketCount > 1 && buckets.get(bucketCount - 2)[0] == Double.POSITIVE_INFINITY) {
        bucketCount--;
      }
      double previous = 0;
      for (int i = 0; i < bucketCount - 1; i++) {
        double v = buckets.get(i)[1];
        if (Double.isNaN(v) || v < previous) {
          return null;
        }
        previous = v;
      }
      if (Double.isNaN(group.count) || group.count < previous) {
        return null;
      }
      HistogramDataPoint.Builder point =
          HistogramDataPoint.newBuilder()
              .setTimeUnixNano(group.timestampMillis * 1_000_000L)
              .setCount((long) group.count);
      if (group.hasSum) {
        point.setSum(group.sum);
      }
      for (int i = 0; i < bucketCount - 1; i++) {
        point.addExplicitBounds(buckets.get(i)[0]);
        // Counts are whole numbers in a scrape; Go's uint64(float64) truncates like this cast.
        point.addBucketCounts((long) (buckets.get(i)[1] - (i == 0 ? 0 : buckets.get(i - 1)[1])));
      }
      double last = group.count - (bucketCount > 1 ? buckets.get(bucketCount - 2)[1] : 0);
      point.addBucketCounts((long) last);
      attributes.forEach((k, v) -> point.addAttributes(stringAttribute(k, v)));
      return point.build();
    }

    private static SummaryDataPoint summaryPoint(Map<String, String> attributes, Group group) {
      if (!group.hasCount) {
        return null;
      }
      SummaryDataPoint.Builder point =
          SummaryDataPoint.newBuilder()
              .setTimeUnixNano(group.timestampMillis * 1_000_000L)
              .setCount((long) group.count);
      if (group.hasSum) {
        point.setSum(group.sum);
      }
      for (double[] q : group.sortedPoints()) {
        point.addQuantileValues(
            SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(q[0]).setValue(q[1]));
      }
      attributes.forEach((k, v) -> point.addAttributes(stringAttribute(k, v)));
      return point.build();
    }
  }

  /** One series of a family: a plain value, or the parts of a histogram or summary. */
  private static final class Group {
    long timestampMillis;
    double value;
    double sum;
    boolean hasSum;
    double count;
    boolean hasCount;
    final List<double[]> points = new ArrayList<>();

    List<double[]> sortedPoints() {
      List<double[]> sorted = new ArrayList<>(points);
      sorted.sort(Comparator.comparingDouble(p -> p[0]));
      return sorted;
    }
  }
}
