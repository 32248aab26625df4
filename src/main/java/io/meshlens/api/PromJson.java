package io.meshlens.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.meshlens.model.Labels;
import io.meshlens.query.promql.PrometheusJsonFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes Prometheus HTTP API JSON byte for byte as Prometheus does; numbers are formatted by {@link
 * PrometheusJsonFormat} ({@code "1"}, {@code "0.25"}, {@code "NaN"}, {@code "+Inf"}, timestamps as
 * Unix seconds with a millisecond fraction).
 */
final class PromJson implements AutoCloseable {

  private static final JsonFactory FACTORY = new JsonFactory();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
  private final JsonGenerator g;

  PromJson() {
    try {
      g = FACTORY.createGenerator(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  JsonGenerator gen() {
    return g;
  }

  /** Opens {@code {"status":"success","data":} and leaves the data value to the caller. */
  void beginSuccess() throws IOException {
    g.writeStartObject();
    g.writeStringField("status", "success");
    g.writeFieldName("data");
  }

  /** Closes the envelope, adding {@code warnings} when there are any. */
  void endSuccess(List<String> warnings) throws IOException {
    if (warnings != null && !warnings.isEmpty()) {
      g.writeArrayFieldStart("warnings");
      for (String w : warnings) {
        g.writeString(w);
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }

  void labels(Labels labels) throws IOException {
    g.writeStartObject();
    for (int i = 0; i < labels.size(); i++) {
      g.writeStringField(labels.name(i), labels.value(i));
    }
    g.writeEndObject();
  }

  /** A vector or matrix point: {@code [<seconds>, "<value>"]}. */
  void point(long timestampMs, double value) throws IOException {
    g.writeStartArray();
    g.writeNumber(PrometheusJsonFormat.pointTimestamp(timestampMs));
    g.writeString(PrometheusJsonFormat.pointValue(value));
    g.writeEndArray();
  }

  /** A scalar result, which Prometheus formats differently from points. */
  void scalar(long timestampMs, double value) throws IOException {
    g.writeStartArray();
    g.writeNumber(PrometheusJsonFormat.scalarTimestamp(timestampMs));
    g.writeString(PrometheusJsonFormat.scalarValue(value));
    g.writeEndArray();
  }

  byte[] finish() {
    try {
      g.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    finish();
  }
}
