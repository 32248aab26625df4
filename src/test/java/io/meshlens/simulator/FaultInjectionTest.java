package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** The simulator's faults for alerting tests: a silent cluster, a longer outage. */
class FaultInjectionTest {

  private static String attr(List<KeyValue> kvs, String key) {
    return kvs.stream()
        .filter(kv -> kv.getKey().equals(key))
        .map(kv -> kv.getValue().getStringValue())
        .findFirst()
        .orElse("");
  }

  /** The clusters each signal's published records come from. */
  private static Set<String> clusters(MockProducer<byte[], byte[]> p, String topic)
      throws Exception {
    Set<String> out = new TreeSet<>();
    for (ProducerRecord<byte[], byte[]> r : p.history()) {
      if (!r.topic().equals(topic)) {
        continue;
      }
      switch (topic) {
        case "otlp_metrics" ->
            ExportMetricsServiceRequest.parseFrom(r.value())
                .getResourceMetricsList()
                .forEach(
                    rm -> out.add(attr(rm.getResource().getAttributesList(), "k8s.cluster.name")));
        case "otlp_spans" ->
            ExportTraceServiceRequest.parseFrom(r.value())
                .getResourceSpansList()
                .forEach(
                    rs ->
                        rs.getScopeSpansList()
                            .forEach(
                                ss ->
                                    ss.getSpansList()
                                        .forEach(
                                            s ->
                                                out.add(
                                                    attr(
                                                        s.getAttributesList(),
                                                        "istio.cluster_id")))));
        case "otlp_logs" ->
            ExportLogsServiceRequest.parseFrom(r.value())
                .getResourceLogsList()
                .forEach(
                    rl ->
                        rl.getScopeLogsList()
                            .forEach(
                                sl ->
                                    sl.getLogRecordsList()
                                        .forEach(
                                            lr ->
                                                out.add(attr(lr.getAttributesList(), "cluster")))));
        default ->
            out.add(new String(r.headers().lastHeader("cluster").value(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Test
  void aSilencedClusterPublishesNothingOnAnySignalUntilResumed() throws Exception {
    SimulatorSettings s = SimulatorFixtures.quick().withSpanSampleRate(1.0);
    // Two identical simulations (same seed, same tick times: the same output), one published
    // with east-2 silenced.
    MeshSimulator sim = new MeshSimulator(s, START);
    MeshSimulator twin = new MeshSimulator(s, START);
    List<String> topics = List.of("otlp_metrics", "otlp_spans", "otlp_logs", "istio_access_logs");

    MockProducer<byte[], byte[]> all = producer();
    new SimulatorPublisher(all, s).publish(sim.tick(START.plusSeconds(10)));
    java.util.Map<String, Set<String>> before = new java.util.HashMap<>();
    for (String topic : topics) {
      before.put(topic, clusters(all, topic));
    }
    // Every signal has east-2 records to drop: its access logs come as OTLP log records, the
    // other clusters' as JSON lines.
    assertThat(before.get("otlp_metrics")).containsExactly("east-1", "east-2", "west-1");
    assertThat(before.get("otlp_spans")).containsExactly("east-1", "east-2", "west-1");
    assertThat(before.get("otlp_logs")).contains("east-2");
    assertThat(before.get("istio_access_logs")).contains("east-1", "west-1");

    MockProducer<byte[], byte[]> muted = producer();
    SimulatorPublisher pub = new SimulatorPublisher(muted, s);
    pub.silence("east-2", true);
    assertThat(pub.silencedClusters()).containsExactly("east-2");
    pub.publish(twin.tick(START.plusSeconds(10)));
    for (String topic : topics) {
      Set<String> others = new TreeSet<>(before.get(topic));
      others.remove("east-2");
      assertThat(clusters(muted, topic)).as(topic).isEqualTo(others);
    }

    MockProducer<byte[], byte[]> resumed = producer();
    pub = new SimulatorPublisher(resumed, s);
    pub.silence("east-2", true);
    pub.silence("east-2", false);
    pub.publish(twin.tick(START.plusSeconds(20)));
    assertThat(clusters(resumed, "otlp_metrics")).contains("east-2");
  }

  @Test
  void theEjectionDelaySetsHowLongTheFailingServiceAnswers503() {
    SimulatorSettings s =
        SimulatorFixtures.quick().withFailover(Duration.ofSeconds(20), Duration.ofSeconds(300));
    FailoverEpisode shortOutage = new MeshSimulator(s, START).groundTruth().failover();
    FailoverEpisode longOutage =
        new MeshSimulator(s, START, Duration.ofSeconds(120)).groundTruth().failover();
    assertThat(Duration.between(shortOutage.start(), shortOutage.ejected()))
        .isEqualTo(MeshSimulator.DEFAULT_EJECTION_DELAY);
    assertThat(longOutage.start()).isEqualTo(START.plusSeconds(20));
    assertThat(longOutage.ejected()).isEqualTo(START.plusSeconds(140));
    assertThat(longOutage.failingAt(START.plusSeconds(130))).isTrue();
    assertThat(shortOutage.failingAt(START.plusSeconds(130))).isFalse();
  }

  private static MockProducer<byte[], byte[]> producer() {
    return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  }
}
