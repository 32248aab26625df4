package io.meshlens.query.promql.compliance;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshlens.model.Labels;
import io.meshlens.query.promql.PromqlException;
import io.meshlens.query.promql.QueryResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One engine's answer to one query evaluation in a form both engines' answers convert to: an error
 * (type and message) or a result type with rows (label set, timestamps, values). A scalar or string
 * is one row without labels.
 */
record Outcome(String errorType, String error, String resultType, List<Row> rows) {

  /**
   * Relative tolerance for values. Stricter than the compliance tester's 1e-5: the engine follows
   * Prometheus' arithmetic, so only the last bits of transcendental functions may differ.
   */
  static final double RELATIVE_TOLERANCE = 1e-9;

  /** One series or sample. */
  record Row(String labels, long[] timestamps, double[] values) {
    String describe() {
      StringBuilder b = new StringBuilder(labels).append(" [");
      for (int i = 0; i < timestamps.length && i < 4; i++) {
        b.append(i == 0 ? "" : ", ")
            .append(PrometheusReference.seconds(timestamps[i]))
            .append(':')
            .append(values[i]);
      }
      return b.append(timestamps.length > 4 ? ", ... " + timestamps.length + " points]" : "]")
          .toString();
    }
  }

  /** How many values the answer holds. */
  long points() {
    return rows.stream().mapToLong(r -> r.values().length).sum();
  }

  static Outcome error(String type, String message) {
    return new Outcome(type, message, null, List.of());
  }

  /** Prometheus' HTTP API response body. */
  static Outcome fromPrometheus(JsonNode body) {
    if (!body.get("status").asText().equals("success")) {
      return error(body.path("errorType").asText(), body.path("error").asText());
    }
    JsonNode data = body.get("data");
    String type = data.get("resultType").asText();
    JsonNode result = data.get("result");
    List<Row> rows = new ArrayList<>();
    switch (type) {
      case "scalar", "string" -> rows.add(point("", result));
      case "vector" -> {
        for (JsonNode s : result) {
          rows.add(point(labels(s.get("metric")), s.get("value")));
        }
      }
      case "matrix" -> {
        for (JsonNode s : result) {
          JsonNode values = s.get("values");
          long[] ts = new long[values.size()];
          double[] vs = new double[values.size()];
          Iterator<JsonNode> it = values.iterator();
          for (int i = 0; i < ts.length; i++) {
            JsonNode p = it.next();
            ts[i] = millis(p.get(0));
            vs[i] = ComplianceDataset.value(p.get(1).asText());
          }
          rows.add(new Row(labels(s.get("metric")), ts, vs));
        }
      }
      default -> throw new IllegalArgumentException("result type " + type);
    }
    return new Outcome(null, null, type, rows);
  }

  private static Row point(String labels, JsonNode p) {
    String v = p.get(1).asText();
    double value;
    try {
      value = ComplianceDataset.value(v);
    } catch (NumberFormatException e) {
      // A string result: compare its text through the labels column.
      return new Row(labels + v, new long[] {millis(p.get(0))}, new double[] {0});
    }
    return new Row(labels, new long[] {millis(p.get(0))}, new double[] {value});
  }

  private static long millis(JsonNode seconds) {
    return Math.round(seconds.asDouble() * 1000);
  }

  private static String labels(JsonNode metric) {
    Map<String, String> m = new TreeMap<>();
    metric.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
    return m.toString();
  }

  /** The Meshlens engine's answer. */
  static Outcome fromMeshlens(QueryResult r) {
    List<Row> rows = new ArrayList<>();
    if (r instanceof QueryResult.Scalar s) {
      rows.add(new Row("", new long[] {s.timestampMs()}, new double[] {s.value()}));
    } else if (r instanceof QueryResult.StringResult s) {
      rows.add(new Row(s.value(), new long[] {s.timestampMs()}, new double[] {0}));
    } else if (r instanceof QueryResult.Vector v) {
      for (QueryResult.Sample s : v.samples()) {
        rows.add(
            new Row(labels(s.labels()), new long[] {s.timestampMs()}, new double[] {s.value()}));
      }
    } else if (r instanceof QueryResult.Matrix m) {
      for (QueryResult.Series s : m.series()) {
        rows.add(new Row(labels(s.labels()), s.timestamps(), s.values()));
      }
    }
    return new Outcome(null, null, r.type().apiName(), rows);
  }

  static Outcome fromMeshlens(PromqlException e) {
    return error(e.errorType(), e.getMessage());
  }

  private static String labels(Labels l) {
    return new TreeMap<>(l.toMap()).toString();
  }

  /**
   * The first difference between {@code this} (Prometheus) and {@code ours} (Meshlens), or null
   * when they agree. Rows are compared in order when {@code ordered}, else as sets.
   */
  String differenceFrom(Outcome ours, boolean ordered) {
    if (errorType != null || ours.errorType != null) {
      if (errorType == null) {
        return "Meshlens failed (" + ours.errorType + ": " + ours.error + "), Prometheus did not";
      }
      if (ours.errorType == null) {
        return "Prometheus failed (" + errorType + ": " + error + "), Meshlens did not";
      }
      if (!errorType.equals(ours.errorType) || !error.equals(ours.error)) {
        return "error "
            + ours.errorType
            + ": "
            + ours.error
            + " instead of "
            + errorType
            + ": "
            + error;
      }
      return null;
    }
    if (!resultType.equals(ours.resultType)) {
      return "result type " + ours.resultType + " instead of " + resultType;
    }
    List<Row> want = new ArrayList<>(rows);
    List<Row> got = new ArrayList<>(ours.rows);
    if (!ordered) {
      Comparator<Row> byLabels = Comparator.comparing(Row::labels);
      want.sort(byLabels);
      got.sort(byLabels);
    }
    for (int i = 0; i < Math.max(want.size(), got.size()); i++) {
      if (i >= want.size()) {
        return "extra series " + got.get(i).describe();
      }
      if (i >= got.size()) {
        return "missing series " + want.get(i).describe();
      }
      Row w = want.get(i);
      Row g = got.get(i);
      if (!w.labels.equals(g.labels)) {
        return (ordered ? "at position " + i + ": " : "")
            + "series "
            + g.describe()
            + " instead of "
            + w.describe();
      }
      if (!Arrays.equals(w.timestamps, g.timestamps)) {
        return "timestamps of " + g.describe() + " instead of " + w.describe();
      }
      for (int k = 0; k < w.values.length; k++) {
        if (!sameValue(w.values[k], g.values[k])) {
          return "value of "
              + w.labels
              + " at "
              + PrometheusReference.seconds(w.timestamps[k])
              + ": "
              + g.values[k]
              + " instead of "
              + w.values[k];
        }
      }
    }
    return null;
  }

  static boolean sameValue(double want, double got) {
    if (Double.isNaN(want) || Double.isNaN(got)) {
      return Double.isNaN(want) && Double.isNaN(got);
    }
    if (want == got) {
      return true;
    }
    return Math.abs(want - got) <= RELATIVE_TOLERANCE * Math.max(Math.abs(want), Math.abs(got));
  }
}
