package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** Measures tick and publish time at about 2,000 pods; prints, does not assert on time. */
class ScaleBenchmarkTest {

  @Test
  void measuresTickTimeAtAbout2000Pods() {
    SimulatorSettings s =
        SimulatorSettings.defaults()
            .withExtraTenants(160)
            .withReplicasPerWorkload(3)
            .withRequestsPerSecond(1000);
    long t0 = System.nanoTime();
    MeshSimulator sim = new MeshSimulator(s, START);
    double buildMs = (System.nanoTime() - t0) / 1e6;
    int pods = sim.topology().pods().size();
    assertThat(pods).isBetween(1900, 2100);
    MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    SimulatorPublisher pub = new SimulatorPublisher(producer, s);
    System.out.printf(
        "simulator scale: %d pods, %d tenants, built in %.0f ms%n",
        pods, sim.topology().tenants().size(), buildMs);
    for (int i = 1; i <= 6; i++) {
      long a = System.nanoTime();
      TickOutput out = sim.tick(START.plusSeconds(10L * i));
      long b = System.nanoTime();
      PublishStats st = pub.publish(out);
      long c = System.nanoTime();
      producer.clear();
      System.out.printf(
          "tick %d (10 s, 1000 req/s): simulate %.0f ms, encode+send %.0f ms;"
              + " %d data points, %d spans, %d OTLP log records, %d access log lines;"
              + " %d messages, %.1f MB%n",
          i,
          (b - a) / 1e6,
          (c - b) / 1e6,
          out.dataPointCount(),
          out.spanCount(),
          out.logRecordCount(),
          out.accessLogLines().size(),
          st.messages(),
          st.bytes() / 1e6);
    }
    assertThat(sim.groundTruth().ticks()).isEqualTo(6);
  }
}
