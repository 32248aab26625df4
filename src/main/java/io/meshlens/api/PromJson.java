package io.meshlens.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.meshlens.model.Labels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;

/**
 * Writes Prometheus HTTP API JSON byte for byte as Prometheus does: sample values as strings in
 * Go's {@code strconv.FormatFloat(v, 'f', -1, 64)} form ({@code "1"}, {@code "0.25"}, {@code
 * "NaN"}, {@code "+Inf"}), timestamps as Unix seconds with up to millisecond fraction.
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

  /** {@code [<seconds>, "<value>"]}. */
  void point(long timestampMs, double value) throws IOException {
    g.writeStartArray();
    writeTimestamp(timestampMs);
    g.writeString(formatValue(value));
    g.writeEndArray();
  }

  private void writeTimestamp(long ms) throws IOException {
    if (ms % 1000 == 0) {
      g.writeNumber(ms / 1000);
    } else {
      g.writeNumber(BigDecimal.valueOf(ms, 3).stripTrailingZeros());
    }
  }

  static String formatValue(double v) {
    if (Double.isNaN(v)) {
      return "NaN";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == 0 && 1 / v < 0) {
      return "-0";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
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
