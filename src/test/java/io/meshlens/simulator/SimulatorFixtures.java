package io.meshlens.simulator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Shared set-up: a fixed start instant, running ticks, locating the real samples. */
final class SimulatorFixtures {

  static final Instant START = Instant.parse("2025-03-01T12:00:00Z");

  private SimulatorFixtures() {}

  /** Ticks {@code ticks} times, {@code stepSeconds} apart, and returns every output. */
  static List<TickOutput> run(MeshSimulator sim, int ticks, long stepSeconds) {
    List<TickOutput> outs = new ArrayList<>();
    for (int i = 1; i <= ticks; i++) {
      outs.add(sim.tick(START.plusSeconds(stepSeconds * i)));
    }
    return outs;
  }

  /** Default settings with a failover window short enough for quick tests. */
  static SimulatorSettings quick() {
    return SimulatorSettings.defaults()
        .withRequestsPerSecond(200)
        .withFailover(Duration.ofSeconds(20), Duration.ofSeconds(50));
  }

  /** The directory of the real telemetry samples, {@code ../shared/data/real} from the project. */
  static Path realData() {
    Path p = Path.of("..", "shared", "data", "real");
    if (!Files.isDirectory(p)) {
      throw new IllegalStateException("real samples not found at " + p.toAbsolutePath());
    }
    return p;
  }
}
