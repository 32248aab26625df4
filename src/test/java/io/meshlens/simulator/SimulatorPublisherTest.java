package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.metrics.v1.Gauge;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.metrics.v1.NumberDataPoint;
import io.opentelemetry.proto.metrics.v1.ResourceMetrics;
import io.opentelemetry.proto.metrics.v1.ScopeMetrics;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class SimulatorPublisherTest {

  private static MockProducer<byte[], byte[]> producer() {
    return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  }

  private static List<ProducerRecord<byte[], byte[]>> on(
      MockProducer<byte[], byte[]> p, String topic) {
    return p.history().stream().filter(r -> r.topic().equals(topic)).toList();
  }

  private static long points(ExportMetricsServiceRequest r) {
    return new TickOutput(List.of(r), List.of(), List.of(), List.of(), List.of()).dataPointCount();
  }

  @Test
  void publishesEverySignalToItsTopicAndCountsIt() throws Exception {
    SimulatorSettings s = SimulatorFixtures.quick().withSpanSampleRate(0.5);
    MeshSimulator sim = new MeshSimulator(s, START);
    TickOutput out = sim.tick(START.plusSeconds(10));
    MockProducer<byte[], byte[]> p = producer();
    SimulatorPublisher pub = new SimulatorPublisher(p, s);
    PublishStats stats = pub.publish(out);

    // Metrics: one resource per message, keyed by that resource (the exporter's
    // partition_metrics_by_resource_attributes), so a series always lands in one partition.
    assertThat(on(p, "otlp_metrics"))
        .allSatisfy(
            r -> {
              ExportMetricsServiceRequest m = ExportMetricsServiceRequest.parseFrom(r.value());
              assertThat(m.getResourceMetricsCount()).isEqualTo(1);
              assertThat(r.key()).isEqualTo(m.getResourceMetrics(0).getResource().toByteArray());
            });
    assertThat(p.history())
        .filteredOn(r -> !r.topic().equals("otlp_metrics"))
        .allSatisfy(r -> assertThat(r.key()).isNull());
    assertThat(stats.messages()).isEqualTo(p.history().size());
    assertThat(stats.bytes())
        .isEqualTo(p.history().stream().mapToLong(r -> r.value().length).sum());
    for (String topic : List.of("otlp_metrics", "otlp_spans", "otlp_logs", "istio_access_logs")) {
      assertThat(stats.messages(topic)).as(topic).isEqualTo(on(p, topic).size()).isPositive();
    }
    long dataPoints = 0;
    for (var r : on(p, "otlp_metrics")) {
      dataPoints += points(ExportMetricsServiceRequest.parseFrom(r.value()));
    }
    assertThat(dataPoints).isEqualTo(out.dataPointCount());
    long spans = 0;
    for (var r : on(p, "otlp_spans")) {
      spans +=
          new TickOutput(
                  List.of(),
                  List.of(ExportTraceServiceRequest.parseFrom(r.value())),
                  List.of(),
                  List.of(),
                  List.of())
              .spanCount();
    }
    assertThat(spans).isEqualTo(sim.groundTruth().spansEmitted());
    long records = 0;
    for (var r : on(p, "otlp_logs")) {
      records +=
          new TickOutput(
                  List.of(),
                  List.of(),
                  List.of(ExportLogsServiceRequest.parseFrom(r.value())),
                  List.of(),
                  List.of())
              .logRecordCount();
    }
    assertThat(records).isEqualTo(sim.groundTruth().otlpLogRecordsEmitted());
    assertThat(
            on(p, "istio_access_logs").stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .toList())
        .isEqualTo(out.accessLogLines());
    assertThat(pub.totals()).isEqualTo(stats);
  }

  @Test
  void accessLogMessagesCarryTheForwardersClusterHeaderAndOtlpMessagesNone() {
    SimulatorSettings s = SimulatorFixtures.quick();
    TickOutput out = new MeshSimulator(s, START).tick(START.plusSeconds(10));
    MockProducer<byte[], byte[]> p = producer();
    new SimulatorPublisher(p, s).publish(out);
    List<ProducerRecord<byte[], byte[]>> lines = on(p, "istio_access_logs");
    for (int i = 0; i < lines.size(); i++) {
      Header h = lines.get(i).headers().lastHeader("cluster");
      assertThat(new String(h.value(), StandardCharsets.UTF_8))
          .isEqualTo(out.accessLogLineClusters().get(i));
    }
    assertThat(on(p, "otlp_metrics")).allSatisfy(r -> assertThat(r.headers().toArray()).isEmpty());

    MockProducer<byte[], byte[]> none = producer();
    new SimulatorPublisher(none, s.withAccessLogClusterHeader("")).publish(out);
    assertThat(none.history()).allSatisfy(r -> assertThat(r.headers().toArray()).isEmpty());
  }

  @Test
  void jsonEncodingPublishesOtlpJsonThatParsesBack() throws Exception {
    SimulatorSettings s =
        SimulatorFixtures.quick().withEncoding(Encoding.OTLP_JSON).withSpanSampleRate(0.5);
    TickOutput out = new MeshSimulator(s, START).tick(START.plusSeconds(10));
    MockProducer<byte[], byte[]> p = producer();
    new SimulatorPublisher(p, s).publish(out);
    long dataPoints = 0;
    for (var r : on(p, "otlp_metrics")) {
      String json = new String(r.value(), StandardCharsets.UTF_8);
      assertThat(json).startsWith("{\"resourceMetrics\":[");
      dataPoints += points(OtlpJson.parseMetrics(json));
    }
    assertThat(dataPoints).isEqualTo(out.dataPointCount());
    String spans = new String(on(p, "otlp_spans").get(0).value(), StandardCharsets.UTF_8);
    assertThat(spans).containsPattern("\"traceId\":\"[0-9a-f]{32}\"");
    assertThat(OtlpJson.parseTraces(spans).getResourceSpansCount()).isPositive();
  }

  @Test
  void everyMessageStaysUnder900KbAtLargeScaleInBothEncodings() throws Exception {
    for (Encoding encoding : Encoding.values()) {
      SimulatorSettings s =
          SimulatorSettings.defaults()
              .withExtraTenants(200)
              .withReplicasPerWorkload(3)
              .withRequestsPerSecond(3000)
              .withEncoding(encoding);
      MeshSimulator sim = new MeshSimulator(s, START);
      TickOutput out = sim.tick(START.plusSeconds(10));
      MockProducer<byte[], byte[]> p = producer();
      PublishStats stats = new SimulatorPublisher(p, s).publish(out);
      assertThat(stats.oversized()).isZero();
      assertThat(p.history())
          .allSatisfy(
              r -> assertThat(r.value().length).as(encoding + " " + r.topic()).isLessThan(900_000));
      // Splitting loses nothing.
      long dataPoints = 0;
      for (var r : on(p, "otlp_metrics")) {
        dataPoints +=
            points(
                encoding == Encoding.OTLP_PROTO
                    ? ExportMetricsServiceRequest.parseFrom(r.value())
                    : OtlpJson.parseMetrics(new String(r.value(), StandardCharsets.UTF_8)));
      }
      assertThat(dataPoints).isEqualTo(out.dataPointCount());
      assertThat(stats.messages("otlp_metrics")).isGreaterThan(out.metrics().size());
    }
  }

  @Test
  void oneResourceTooLargeIsSplitBySpansAndOneMetricByDataPoints() throws Exception {
    SimulatorSettings s = SimulatorSettings.defaults().withMaxMessageBytes(4096);
    SimulatorPublisher pub = new SimulatorPublisher(producer(), s);
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int i = 0; i < 500; i++) {
      ss.addSpans(Span.newBuilder().setName("span-" + i).setStartTimeUnixNano(i));
    }
    ExportTraceServiceRequest traces =
        ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss))
            .build();
    List<byte[]> parts = pub.encode(traces);
    assertThat(parts)
        .hasSizeGreaterThan(2)
        .allSatisfy(b -> assertThat(b.length).isLessThanOrEqualTo(4096));
    long spans = 0;
    for (byte[] b : parts) {
      spans +=
          ExportTraceServiceRequest.parseFrom(b)
              .getResourceSpans(0)
              .getScopeSpans(0)
              .getSpansCount();
    }
    assertThat(spans).isEqualTo(500);

    Gauge.Builder g = Gauge.newBuilder();
    for (int i = 0; i < 1000; i++) {
      g.addDataPoints(NumberDataPoint.newBuilder().setAsInt(i).setTimeUnixNano(i));
    }
    ExportMetricsServiceRequest metrics =
        ExportMetricsServiceRequest.newBuilder()
            .addResourceMetrics(
                ResourceMetrics.newBuilder()
                    .addScopeMetrics(
                        ScopeMetrics.newBuilder()
                            .addMetrics(Metric.newBuilder().setName("g").setGauge(g))))
            .build();
    List<byte[]> metricParts = pub.encode(metrics);
    assertThat(metricParts)
        .hasSizeGreaterThan(2)
        .allSatisfy(b -> assertThat(b.length).isLessThanOrEqualTo(4096));
    long total = 0;
    for (byte[] b : metricParts) {
      total += points(ExportMetricsServiceRequest.parseFrom(b));
    }
    assertThat(total).isEqualTo(1000);
  }
}
