package io.meshlens.ingest.otlp;

import io.meshlens.model.Labels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Keeps everything the translator hands over, in order, for assertions. */
final class RecordingSink implements SampleSink {

  record Sample(Labels labels, long timestampMillis, double value) {
    @Override
    public String toString() {
      return labels + " " + value + " @" + timestampMillis;
    }
  }

  record Discard(String reason, String metricName) {}

  record Start(Labels labels, long startTimestampMillis) {}

  final List<Sample> samples = new ArrayList<>();
  final List<Discard> discards = new ArrayList<>();
  final List<Start> starts = new ArrayList<>();

  @Override
  public void accept(Labels labels, long timestampMillis, double value) {
    samples.add(new Sample(labels, timestampMillis, value));
  }

  @Override
  public void discard(String reason, String metricName) {
    discards.add(new Discard(reason, metricName));
  }

  @Override
  public void acceptCumulative(
      Labels labels, long timestampMillis, double value, long startTimestampMillis) {
    if (startTimestampMillis != 0) {
      starts.add(new Start(labels, startTimestampMillis));
    }
    accept(labels, timestampMillis, value);
  }

  /** Series text ({@code Labels.toString()}) to value, in arrival order. */
  Map<String, Double> byText() {
    Map<String, Double> m = new LinkedHashMap<>();
    for (Sample s : samples) {
      m.put(s.labels().toString(), s.value());
    }
    return m;
  }

  static RecordingSink translate(
      OtlpMetricsTranslator translator,
      io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest request) {
    RecordingSink sink = new RecordingSink();
    translator.translate(request, sink);
    return sink;
  }
}
