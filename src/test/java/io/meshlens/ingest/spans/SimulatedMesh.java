package io.meshlens.ingest.spans;

import io.meshlens.simulator.GroundTruth;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.OtlpJson;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.TickOutput;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One simulator run shared by the decoder tests of both packages: a minute of a three-cluster mesh
 * with 30% of traces sampled, and its Kafka message values in both OTLP encodings.
 */
public final class SimulatedMesh {

  public static final Instant START = Instant.parse("2025-03-01T12:00:00Z");

  private static SimulatedMesh instance;

  public final MeshSimulator sim;
  public final List<ExportTraceServiceRequest> spanRequests = new ArrayList<>();
  public final List<ExportLogsServiceRequest> logRequests = new ArrayList<>();
  public final List<String> accessLogLines = new ArrayList<>();
  public final List<String> accessLogLineClusters = new ArrayList<>();

  private SimulatedMesh() {
    SimulatorSettings settings =
        SimulatorSettings.defaults()
            .withRequestsPerSecond(80)
            .withSpanSampleRate(0.3)
            .withFailover(Duration.ofSeconds(20), Duration.ofSeconds(50));
    sim = new MeshSimulator(settings, START);
    for (int i = 1; i <= 6; i++) {
      TickOutput o = sim.tick(START.plusSeconds(10L * i));
      spanRequests.addAll(o.spans());
      logRequests.addAll(o.logs());
      accessLogLines.addAll(o.accessLogLines());
      accessLogLineClusters.addAll(o.accessLogLineClusters());
    }
  }

  public static synchronized SimulatedMesh get() {
    if (instance == null) {
      instance = new SimulatedMesh();
    }
    return instance;
  }

  public GroundTruth truth() {
    return sim.groundTruth();
  }

  public List<byte[]> spanProto() {
    return spanRequests.stream().map(ExportTraceServiceRequest::toByteArray).toList();
  }

  public List<byte[]> spanJson() {
    return spanRequests.stream().map(r -> utf8(OtlpJson.print(r))).toList();
  }

  public List<byte[]> logProto() {
    return logRequests.stream().map(ExportLogsServiceRequest::toByteArray).toList();
  }

  public List<byte[]> logJson() {
    return logRequests.stream().map(r -> utf8(OtlpJson.print(r))).toList();
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
