package io.meshlens.ingest.logs;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.spans.SimulatedMesh;
import io.meshlens.ingest.spans.SpanDecoder;
import io.meshlens.testdata.RealData;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/**
 * Decode throughput on one thread over simulator output (and the real waypoint TEXT lines): prints
 * records per second, asserts only that the loops decoded something, never timing.
 */
class DecodeThroughputTest {

  private static final long WARMUP_NANOS = 1_000_000_000L;
  private static final long MEASURE_NANOS = 2_000_000_000L;

  private final SimulatedMesh mesh = SimulatedMesh.get();

  /** Decodes the messages round-robin for a while; returns records per second. */
  private static double rate(String what, List<byte[]> messages, ToIntFunction<byte[]> decode) {
    long bytes = 0;
    for (byte[] m : messages) {
      bytes += m.length;
    }
    loop(messages, decode, WARMUP_NANOS);
    long t0 = System.nanoTime();
    long[] counts = loop(messages, decode, MEASURE_NANOS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    double perSecond = counts[0] / seconds;
    System.out.printf(
        "decode throughput %-34s %,12.0f records/s  %,8.1f MB/s  (%d messages, %,d bytes)%n",
        what,
        perSecond,
        counts[1] * (double) bytes / messages.size() / seconds / 1e6,
        messages.size(),
        bytes);
    return perSecond;
  }

  /** [records, messages] decoded until the time is up. */
  private static long[] loop(List<byte[]> messages, ToIntFunction<byte[]> decode, long nanos) {
    long end = System.nanoTime() + nanos;
    long records = 0;
    long count = 0;
    while (System.nanoTime() < end) {
      for (byte[] m : messages) {
        records += decode.applyAsInt(m);
        count++;
      }
    }
    return new long[] {records, count};
  }

  @Test
  void measuresRecordsPerSecondOnOneThread() {
    SpanDecoder spans = new SpanDecoder();
    AccessLogDecoder lines = new AccessLogDecoder();
    OtlpLogDecoder logs = new OtlpLogDecoder();
    List<byte[]> fluentBit =
        mesh.accessLogLines.stream()
            .filter(l -> l.startsWith("{\"time\""))
            .map(l -> l.getBytes(StandardCharsets.UTF_8))
            .toList();
    List<byte[]> legacy =
        mesh.accessLogLines.stream()
            .filter(l -> !l.startsWith("{\"time\""))
            .map(l -> l.getBytes(StandardCharsets.UTF_8))
            .toList();
    List<byte[]> waypoint =
        RealData.read("kiali__tests_data_logs_waypoint.log")
            .lines()
            .map(l -> l.getBytes(StandardCharsets.UTF_8))
            .toList();

    double[] rates = {
      rate("spans otlp_proto", mesh.spanProto(), m -> spans.decode(m).value().size()),
      rate("spans otlp_json", mesh.spanJson(), m -> spans.decode(m).value().size()),
      rate("access log Fluent Bit + typed JSON", fluentBit, m -> lines.decode(m).value().size()),
      rate("access log legacy JSON", legacy, m -> lines.decode(m).value().size()),
      rate("access log TEXT (waypoint, kubectl)", waypoint, m -> lines.decode(m).value().size()),
      rate(
          "OTLP logs otlp_proto (TEXT bodies)",
          mesh.logProto(),
          m -> logs.decode(m).value().size()),
      rate("OTLP logs otlp_json (TEXT bodies)", mesh.logJson(), m -> logs.decode(m).value().size())
    };
    for (double r : rates) {
      assertThat(r).isPositive();
    }
  }
}
