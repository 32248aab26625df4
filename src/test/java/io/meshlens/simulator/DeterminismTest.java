package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeterminismTest {

  /** Every byte the simulator produced, in order. */
  private static byte[] bytesOf(List<TickOutput> outs) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (TickOutput o : outs) {
      for (List<? extends Message> l : List.of(o.metrics(), o.spans(), o.logs())) {
        for (Message m : l) {
          b.writeBytes(m.toByteArray());
        }
      }
      for (String line : o.accessLogLines()) {
        b.writeBytes(line.getBytes(StandardCharsets.UTF_8));
      }
      b.writeBytes(String.join(",", o.accessLogLineClusters()).getBytes(StandardCharsets.UTF_8));
    }
    return b.toByteArray();
  }

  @Test
  void sameSeedAndTickTimesGiveByteIdenticalOutputAndGroundTruth() {
    // The run crosses the whole failover episode (20 s to 50 s).
    MeshSimulator a = new MeshSimulator(SimulatorFixtures.quick(), START);
    MeshSimulator b = new MeshSimulator(SimulatorFixtures.quick(), START);
    byte[] first = bytesOf(SimulatorFixtures.run(a, 7, 10));
    byte[] second = bytesOf(SimulatorFixtures.run(b, 7, 10));
    assertThat(first.length).isGreaterThan(100_000);
    assertThat(second).isEqualTo(first);
    assertThat(b.groundTruth().requestsByEdge()).isEqualTo(a.groundTruth().requestsByEdge());
    assertThat(b.groundTruth().podUsage()).isEqualTo(a.groundTruth().podUsage());
    assertThat(b.groundTruth().spansEmitted()).isEqualTo(a.groundTruth().spansEmitted());
  }

  @Test
  void sameSeedGivesIdenticalOtlpJson() {
    TickOutput a = new MeshSimulator(SimulatorFixtures.quick(), START).tick(START.plusSeconds(5));
    TickOutput b = new MeshSimulator(SimulatorFixtures.quick(), START).tick(START.plusSeconds(5));
    assertThat(OtlpJson.print(b.spans().get(0))).isEqualTo(OtlpJson.print(a.spans().get(0)));
    assertThat(OtlpJson.print(b.metrics().get(0))).isEqualTo(OtlpJson.print(a.metrics().get(0)));
  }

  @Test
  void differentSeedsGiveDifferentOutput() {
    MeshSimulator a = new MeshSimulator(SimulatorFixtures.quick(), START);
    MeshSimulator b = new MeshSimulator(SimulatorFixtures.quick().withSeed(43), START);
    assertThat(bytesOf(SimulatorFixtures.run(b, 2, 10)))
        .isNotEqualTo(bytesOf(SimulatorFixtures.run(a, 2, 10)));
    assertThat(b.groundTruth().requestsTotal()).isNotEqualTo(a.groundTruth().requestsTotal());
  }

  @Test
  void samplingRateDoesNotChangeTheTraffic() {
    MeshSimulator a = new MeshSimulator(SimulatorFixtures.quick().withSpanSampleRate(0), START);
    MeshSimulator b = new MeshSimulator(SimulatorFixtures.quick().withSpanSampleRate(1), START);
    SimulatorFixtures.run(a, 3, 10);
    SimulatorFixtures.run(b, 3, 10);
    assertThat(a.groundTruth().spansEmitted()).isZero();
    assertThat(b.groundTruth().spansEmitted()).isPositive();
    assertThat(b.groundTruth().requestsByEdge()).isEqualTo(a.groundTruth().requestsByEdge());
  }
}
