package io.meshlens.simulator;

import static io.meshlens.simulator.SimulatorFixtures.START;
import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.simulator.Telemetry.Point;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailoverTest {

  private MeshSimulator sim;

  /** Per tick (10 s each): payments-api(east-1) -> fraud-check requests by destination cluster. */
  private final List<Map<String, Long>> perTick = new ArrayList<>();

  /** Per tick: the same, 503 only. */
  private final List<Long> errorsPerTick = new ArrayList<>();

  private final List<TickOutput> outs = new ArrayList<>();

  @BeforeAll
  void run() {
    SimulatorSettings s =
        SimulatorSettings.defaults()
            .withRequestsPerSecond(150)
            .withFailover(Duration.ofSeconds(60), Duration.ofSeconds(180));
    sim = new MeshSimulator(s, START);
    Map<String, Long> before = fraudCheckCalls(0, true);
    long errorsBefore = 0;
    for (int i = 1; i <= 30; i++) {
      outs.add(sim.tick(START.plusSeconds(10L * i)));
      Map<String, Long> now = fraudCheckCalls(0, true);
      Map<String, Long> delta = new TreeMap<>(now);
      before.forEach((k, v) -> delta.merge(k, -v, Long::sum));
      perTick.add(delta);
      before = now;
      long errors = fraudCheckCalls(503, false).values().stream().mapToLong(Long::longValue).sum();
      errorsPerTick.add(errors - errorsBefore);
      errorsBefore = errors;
    }
  }

  private Map<String, Long> fraudCheckCalls(int code, boolean anyCode) {
    Map<String, Long> m = new TreeMap<>();
    sim.groundTruth()
        .requestsByEdge()
        .forEach(
            (k, v) -> {
              if (k.sourceService().equals("payments-api")
                  && k.sourceCluster().equals("east-1")
                  && k.destinationService().equals("fraud-check")
                  && (anyCode || k.responseCode() == code)) {
                m.merge(k.destinationCluster(), v, Long::sum);
              }
            });
    return m;
  }

  /** Requests of tick i (1-based, covering (10(i-1) s, 10i s]) to the given cluster. */
  private long tick(int i, String cluster) {
    return perTick.get(i - 1).getOrDefault(cluster, 0L);
  }

  @Test
  void episodeIsRecordedInGroundTruth() {
    FailoverEpisode f = sim.groundTruth().failover();
    assertThat(f)
        .isEqualTo(
            new FailoverEpisode(
                "payments",
                "fraud-check",
                "east-1",
                "west-1",
                START.plusSeconds(60),
                START.plusSeconds(70),
                START.plusSeconds(180)));
    assertThat(f.failingAt(START.plusSeconds(65))).isTrue();
    assertThat(f.failedOverAt(START.plusSeconds(100))).isTrue();
    assertThat(f.failedOverAt(START.plusSeconds(180))).isFalse();
  }

  @Test
  void beforeTheEpisodeEveryCallStaysInEast1AndSucceedsOrFailsNormally() {
    for (int i = 1; i <= 5; i++) {
      assertThat(tick(i, "east-1")).as("tick " + i).isPositive();
      assertThat(tick(i, "west-1")).as("tick " + i).isZero();
      assertThat(tick(i, "unknown")).as("tick " + i).isZero();
    }
  }

  // A root request's later hops can fall into the next tick's time, so the assertions below
  // keep one tick of distance from each boundary of the episode.

  @Test
  void untilEjectionCallsFailWith503AndSomeNeverReachAnUpstream() {
    // Tick 7 covers 60 s to 70 s: the pods are down but not ejected yet.
    assertThat(errorsPerTick.get(6)).isEqualTo(tick(7, "east-1") + tick(7, "unknown"));
    assertThat(tick(7, "east-1")).isPositive();
    assertThat(tick(7, "unknown")).isPositive();
    List<Point> points = Telemetry.points(outs.get(6).metrics());
    assertThat(
            points.stream()
                .anyMatch(
                    p ->
                        p.metric().equals("istio_requests_total")
                            && p.attr("reporter").equals("destination")
                            && p.attr("destination_service_name").equals("fraud-check")
                            && p.attr("destination_cluster").equals("east-1")
                            && p.attr("response_code").equals("503")
                            && p.attr("response_flags").equals("UF")))
        .isTrue();
    assertThat(
            points.stream()
                .anyMatch(
                    p ->
                        p.metric().equals("istio_requests_total")
                            && p.attr("reporter").equals("source")
                            && p.attr("destination_service_name").equals("fraud-check")
                            && p.attr("destination_cluster").equals("unknown")
                            && p.attr("destination_workload").equals("unknown")
                            && p.attr("response_code").equals("503")
                            && p.attr("response_flags").equals("UH")))
        .isTrue();
  }

  @Test
  void afterEjectionEast1CallsGoToWest1ThroughTheEastWestGateway() {
    for (int i = 9; i <= 17; i++) {
      assertThat(tick(i, "east-1")).as("tick " + i).isZero();
      assertThat(tick(i, "unknown")).as("tick " + i).isZero();
      assertThat(tick(i, "west-1")).as("tick " + i).isPositive();
    }
    long failedOver = 0;
    for (int i = 1; i <= perTick.size(); i++) {
      failedOver += tick(i, "west-1");
    }
    assertThat(sim.groundTruth().failedOverRequests()).isEqualTo(failedOver);
    // Nothing else enters west-1 from another cluster.
    assertThat(sim.groundTruth().eastWestGatewayRequests("west-1")).isEqualTo(failedOver);
  }

  @Test
  void afterTheEpisodeTrafficReturnsToEast1() {
    for (int i = 20; i <= 30; i++) {
      assertThat(tick(i, "west-1")).as("tick " + i).isZero();
      assertThat(tick(i, "east-1")).as("tick " + i).isPositive();
      assertThat(tick(i, "unknown")).as("tick " + i).isZero();
    }
  }

  @Test
  void sourceMetricsOfEast1PaymentsApiShowTheShift() {
    double west = 0;
    for (Point p : Telemetry.points(outs.get(outs.size() - 1).metrics())) {
      if (p.metric().equals("istio_requests_total")
          && p.attr("reporter").equals("source")
          && p.attr("source_canonical_service").equals("payments-api")
          && p.attr("source_cluster").equals("east-1")
          && p.attr("destination_service_name").equals("fraud-check")
          && p.attr("destination_cluster").equals("west-1")) {
        west += p.value();
      }
    }
    long truth =
        sim.groundTruth().requestsByEdge().entrySet().stream()
            .filter(
                e ->
                    e.getKey().sourceService().equals("payments-api")
                        && e.getKey().sourceCluster().equals("east-1")
                        && e.getKey().destinationService().equals("fraud-check")
                        && e.getKey().destinationCluster().equals("west-1"))
            .mapToLong(Map.Entry::getValue)
            .sum();
    assertThat((long) west).isEqualTo(truth).isEqualTo(sim.groundTruth().failedOverRequests());
  }
}
