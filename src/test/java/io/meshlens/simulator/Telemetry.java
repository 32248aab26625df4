package io.meshlens.simulator;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.metrics.v1.HistogramDataPoint;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Flattens OTLP output into rows that tests can filter and group. */
final class Telemetry {

  private Telemetry() {}

  /** One data point with its metric, scope and resource. */
  record Point(
      String metric,
      String scope,
      Map<String, String> resource,
      Map<String, String> attrs,
      double value,
      long count,
      long startNanos,
      long timeNanos,
      HistogramDataPoint histogram) {

    String attr(String key) {
      return attrs.get(key);
    }

    String res(String key) {
      return resource.get(key);
    }

    /** Identity of the series: metric, resource and data point attributes. */
    String seriesId() {
      return metric + resource + attrs;
    }
  }

  /** One span with its resource. */
  record SpanRow(Map<String, String> resource, Map<String, String> attrs, Span span) {
    String attr(String key) {
      return attrs.get(key);
    }
  }

  /** One log record with its resource. */
  record LogRow(Map<String, String> resource, Map<String, String> attrs, LogRecord record) {
    String attr(String key) {
      return attrs.get(key);
    }
  }

  static Map<String, String> map(List<KeyValue> kvs) {
    Map<String, String> m = new LinkedHashMap<>();
    for (KeyValue kv : kvs) {
      var v = kv.getValue();
      m.put(
          kv.getKey(),
          switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> v.toString();
          });
    }
    return m;
  }

  static List<Point> points(List<ExportMetricsServiceRequest> requests) {
    List<Point> out = new ArrayList<>();
    for (ExportMetricsServiceRequest r : requests) {
      for (ResourceMetrics rm : r.getResourceMetricsList()) {
        Map<String, String> res = map(rm.getResource().getAttributesList());
        for (ScopeMetrics sm : rm.getScopeMetricsList()) {
          String scope = sm.getScope().getName();
          for (Metric m : sm.getMetricsList()) {
            List<NumberDataPoint> numbers =
                switch (m.getDataCase()) {
                  case GAUGE -> m.getGauge().getDataPointsList();
                  case SUM -> m.getSum().getDataPointsList();
                  default -> List.of();
                };
            for (NumberDataPoint p : numbers) {
              double v =
                  p.getValueCase() == NumberDataPoint.ValueCase.AS_INT
                      ? p.getAsInt()
                      : p.getAsDouble();
              out.add(
                  new Point(
                      m.getName(),
                      scope,
                      res,
                      map(p.getAttributesList()),
                      v,
                      0,
                      p.getStartTimeUnixNano(),
                      p.getTimeUnixNano(),
                      null));
            }
            if (m.hasHistogram()) {
              for (HistogramDataPoint p : m.getHistogram().getDataPointsList()) {
                out.add(
                    new Point(
                        m.getName(),
                        scope,
                        res,
                        map(p.getAttributesList()),
                        p.getSum(),
                        p.getCount(),
                        p.getStartTimeUnixNano(),
                        p.getTimeUnixNano(),
                        p));
              }
            }
          }
        }
      }
    }
    return out;
  }

  static List<SpanRow> spans(List<ExportTraceServiceRequest> requests) {
    List<SpanRow> out = new ArrayList<>();
    for (ExportTraceServiceRequest r : requests) {
      for (ResourceSpans rs : r.getResourceSpansList()) {
        Map<String, String> res = map(rs.getResource().getAttributesList());
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span s : ss.getSpansList()) {
            out.add(new SpanRow(res, map(s.getAttributesList()), s));
          }
        }
      }
    }
    return out;
  }

  static List<LogRow> logs(List<ExportLogsServiceRequest> requests) {
    List<LogRow> out = new ArrayList<>();
    for (ExportLogsServiceRequest r : requests) {
      for (ResourceLogs rl : r.getResourceLogsList()) {
        Map<String, String> res = map(rl.getResource().getAttributesList());
        for (ScopeLogs sl : rl.getScopeLogsList()) {
          for (LogRecord lr : sl.getLogRecordsList()) {
            out.add(new LogRow(res, map(lr.getAttributesList()), lr));
          }
        }
      }
    }
    return out;
  }
}
