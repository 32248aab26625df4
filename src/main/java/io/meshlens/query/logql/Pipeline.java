package io.meshlens.query.logql;

import io.meshlens.query.logql.LogqlExpr.LabelFilter;
import io.meshlens.query.logql.LogqlExpr.LogQuery;
import io.meshlens.query.logql.LogqlExpr.Stage;
import io.meshlens.store.logs.StoredLog;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a log query's pipeline on one stored entry: the labels it ends with, or {@code null} when a
 * label filter drops it. Line filters are not run here: the store ran them in SQL (the parser
 * refuses one after {@code line_format}, which is the only stage that changes the line).
 *
 * <p>As in Loki: a parsed label whose name is already a stream label is added as {@code
 * <name>_extracted}; a numeric filter on a value that is not a number keeps the entry and marks it
 * with {@code __error__="LabelFilterErr"} and {@code __error_details__}, and numeric filters after
 * an error keep the entry.
 */
final class Pipeline {

  static final String ERROR = "__error__";
  static final String ERROR_DETAILS = "__error_details__";

  private final List<Stage> stages;

  Pipeline(LogQuery q) {
    this.stages = q.stages();
  }

  /** The entry's stream labels: the store's stream label columns that are not empty. */
  static TreeMap<String, String> streamLabels(StoredLog log) {
    TreeMap<String, String> m = new TreeMap<>();
    put(m, "cluster", log.cluster());
    put(m, "direction", log.direction());
    put(m, "namespace", log.namespace());
    put(m, "pod", log.pod());
    put(m, "tenant", log.tenant());
    put(m, "workload", log.workload());
    return m;
  }

  private static void put(Map<String, String> m, String k, String v) {
    if (!v.isEmpty()) {
      m.put(k, v);
    }
  }

  /** An entry after the pipeline: its labels and its line. */
  record Entry(TreeMap<String, String> labels, String line) {}

  /** The labels and line an entry ends with, or null when a label filter drops it. */
  Entry run(StoredLog log) {
    TreeMap<String, String> labels = streamLabels(log);
    String line = log.raw();
    for (Stage s : stages) {
      if (s instanceof Stage.Format f) {
        line = f.template().render(labels, line);
        continue;
      }
      if (s instanceof Stage.Parser p) {
        for (Map.Entry<String, String> e : AccessLogFields.extract(log, p.kind()).entrySet()) {
          String k = e.getKey();
          labels.put(isStreamLabel(k, log) ? k + "_extracted" : k, e.getValue());
        }
      } else if (s instanceof Stage.Drop d) {
        d.labels().forEach(labels::remove);
      } else if (s instanceof Stage.Labels f && !test(f.filter(), labels)) {
        return null;
      }
    }
    return new Entry(labels, line);
  }

  private static boolean isStreamLabel(String k, StoredLog log) {
    return switch (k) {
      case "cluster" -> !log.cluster().isEmpty();
      case "direction" -> !log.direction().isEmpty();
      case "namespace" -> !log.namespace().isEmpty();
      case "pod" -> !log.pod().isEmpty();
      case "tenant" -> !log.tenant().isEmpty();
      case "workload" -> !log.workload().isEmpty();
      default -> false;
    };
  }

  static boolean test(LabelFilter f, Map<String, String> labels) {
    if (f instanceof LabelFilter.And a) {
      return test(a.left(), labels) && test(a.right(), labels);
    }
    if (f instanceof LabelFilter.Or o) {
      return test(o.left(), labels) || test(o.right(), labels);
    }
    if (f instanceof LabelFilter.Text t) {
      return t.matcher().matches(labels.get(t.matcher().name()));
    }
    LabelFilter.Number n = (LabelFilter.Number) f;
    if (labels.containsKey(ERROR)) {
      return true;
    }
    String v = labels.getOrDefault(n.name(), "");
    double d;
    try {
      d = Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      labels.put(ERROR, "LabelFilterErr");
      labels.put(ERROR_DETAILS, "strconv.ParseFloat: parsing \"" + v + "\": invalid syntax");
      return true;
    }
    return n.op().test(d, n.value());
  }
}
