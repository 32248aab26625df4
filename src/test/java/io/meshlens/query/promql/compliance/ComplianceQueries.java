package io.meshlens.query.promql.compliance;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The query list of the compliance harness: templates from {@code
 * promql/compliance/test-queries.txt} expanded as prometheus/compliance's {@code
 * testcases/expand.go} does (every combination of the values of each {@code {{.arg}}} in the
 * template, first argument outermost).
 */
final class ComplianceQueries {

  /**
   * One expanded query; {@code shouldFail} when both engines must refuse it, {@code instantOnly}
   * when it is not asked as range queries.
   */
  record Query(String text, boolean shouldFail, boolean instantOnly) {}

  /** The variant arguments and their values, as in prometheus/compliance's expand.go. */
  static final Map<String, List<String>> VARIANTS = new LinkedHashMap<>();

  static {
    VARIANTS.put("range", List.of("1s", "15s", "1m", "5m", "15m", "1h"));
    VARIANTS.put("offset", List.of("1m", "5m", "10m"));
    VARIANTS.put("simpleAggrOp", List.of("sum", "avg", "max", "min", "count", "stddev", "stdvar"));
    VARIANTS.put(
        "simpleTimeAggrOp",
        List.of("sum", "avg", "max", "min", "count", "stddev", "stdvar", "absent", "last"));
    VARIANTS.put("topBottomOp", List.of("topk", "bottomk"));
    VARIANTS.put(
        "quantile", List.of("-0.5", "0.1", "0.5", "0.75", "0.95", "0.90", "0.99", "1", "1.5"));
    VARIANTS.put("arithBinOp", List.of("+", "-", "*", "/", "%", "^"));
    VARIANTS.put("compBinOp", List.of("==", "!=", "<", ">", "<=", ">="));
    VARIANTS.put("binOp", List.of("+", "-", "*", "/", "%", "^", "==", "!=", "<", ">", "<=", ">="));
    VARIANTS.put(
        "simpleMathFunc",
        List.of("abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "round"));
    VARIANTS.put("extrapolatedRateFunc", List.of("delta", "rate", "increase"));
    VARIANTS.put("clampFunc", List.of("clamp_min", "clamp_max"));
    VARIANTS.put("instantRateFunc", List.of("idelta", "irate"));
    VARIANTS.put(
        "dateFunc",
        List.of("day_of_month", "day_of_week", "days_in_month", "hour", "minute", "month", "year"));
    VARIANTS.put("smoothingFactor", List.of("0.1", "0.5", "0.8"));
    VARIANTS.put("trendFactor", List.of("0.1", "0.5", "0.8"));
  }

  private static final Pattern ARG = Pattern.compile("\\{\\{\\.([A-Za-z]+)}}");

  private ComplianceQueries() {}

  /** Every query of the resource file, expanded, in file order. */
  static List<Query> load() throws IOException {
    String text;
    try (InputStream in =
        ComplianceQueries.class.getResourceAsStream("/promql/compliance/test-queries.txt")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    List<Query> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String l = line.strip();
      if (l.isEmpty() || l.startsWith("#")) {
        continue;
      }
      boolean fail = l.startsWith("FAIL ");
      boolean instantOnly = l.startsWith("INSTANT ");
      String template = l.substring(fail ? 5 : instantOnly ? 8 : 0);
      for (String q : expand(template)) {
        out.add(new Query(q, fail, instantOnly));
      }
    }
    return out;
  }

  /** The variants of one template. */
  static List<String> expand(String template) {
    List<String> args = new ArrayList<>();
    Matcher m = ARG.matcher(template);
    while (m.find()) {
      if (!VARIANTS.containsKey(m.group(1))) {
        throw new IllegalArgumentException("unknown variant arg " + m.group(1) + " in " + template);
      }
      if (!args.contains(m.group(1))) {
        args.add(m.group(1));
      }
    }
    List<String> out = new ArrayList<>();
    expand(template, args, 0, out);
    return out;
  }

  private static void expand(String template, List<String> args, int i, List<String> out) {
    if (i == args.size()) {
      out.add(template);
      return;
    }
    for (String v : VARIANTS.get(args.get(i))) {
      expand(template.replace("{{." + args.get(i) + "}}", v), args, i + 1, out);
    }
  }
}
