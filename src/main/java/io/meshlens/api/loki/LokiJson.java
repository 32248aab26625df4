package io.meshlens.api.loki;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.meshlens.query.logql.LogqlResult;
import io.meshlens.query.promql.PrometheusJsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loki's JSON: {@code {"status":"success","data":{"resultType":"streams"|"matrix"|"vector",
 * "result":[...]}}}; stream entries as {@code ["<ns>", "<line>"]}, matrix and vector points as
 * Prometheus writes them ({@code [<seconds>, "<value>"]}), which is how Loki writes them.
 */
final class LokiJson {

  private static final JsonFactory FACTORY = new JsonFactory();

  private LokiJson() {}

  static byte[] result(LogqlResult result) {
    return write(
        g -> {
          g.writeStartObject();
          if (result instanceof LogqlResult.Streams s) {
            g.writeStringField("resultType", "streams");
            g.writeArrayFieldStart("result");
            for (LogqlResult.Stream stream : s.streams()) {
              g.writeStartObject();
              g.writeFieldName("stream");
              labels(g, stream.labels());
              g.writeArrayFieldStart("values");
              for (LogqlResult.Entry e : stream.entries()) {
                g.writeStartArray();
                g.writeString(Long.toString(e.timestampNs()));
                g.writeString(e.line());
                g.writeEndArray();
              }
              g.writeEndArray();
              g.writeEndObject();
            }
            g.writeEndArray();
          } else if (result instanceof LogqlResult.Matrix m) {
            g.writeStringField("resultType", "matrix");
            g.writeArrayFieldStart("result");
            for (LogqlResult.Series series : m.series()) {
              g.writeStartObject();
              g.writeFieldName("metric");
              labels(g, series.labels());
              g.writeArrayFieldStart("values");
              for (int i = 0; i < series.timestampsMs().length; i++) {
                point(g, series.timestampsMs()[i], series.values()[i]);
              }
              g.writeEndArray();
              g.writeEndObject();
            }
            g.writeEndArray();
          } else if (result instanceof LogqlResult.Vector v) {
            g.writeStringField("resultType", "vector");
            g.writeArrayFieldStart("result");
            for (LogqlResult.Sample sample : v.samples()) {
              g.writeStartObject();
              g.writeFieldName("metric");
              labels(g, sample.labels());
              g.writeFieldName("value");
              point(g, sample.timestampMs(), sample.value());
              g.writeEndObject();
            }
            g.writeEndArray();
          }
          g.writeEndObject();
        });
  }

  /** {@code {"status":"success","data":["a","b"]}}. */
  static byte[] strings(List<String> values) {
    return write(
        g -> {
          g.writeStartArray();
          for (String v : values) {
            g.writeString(v);
          }
          g.writeEndArray();
        });
  }

  /** {@code {"status":"success","data":[{labels}, ...]}}. */
  static byte[] labelSets(List<Map<String, String>> sets) {
    return write(
        g -> {
          g.writeStartArray();
          for (Map<String, String> s : sets) {
            labels(g, s);
          }
          g.writeEndArray();
        });
  }

  private interface Data {
    void write(JsonGenerator g) throws IOException;
  }

  private static byte[] write(Data data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("status", "success");
      g.writeFieldName("data");
      data.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void labels(JsonGenerator g, Map<String, String> labels) throws IOException {
    g.writeStartObject();
    for (Map.Entry<String, String> e : new TreeMap<>(labels).entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  private static void point(JsonGenerator g, long ms, double value) throws IOException {
    g.writeStartArray();
    g.writeNumber(PrometheusJsonFormat.pointTimestamp(ms));
    g.writeString(PrometheusJsonFormat.pointValue(value));
    g.writeEndArray();
  }
}
