package io.meshlens.views;

import io.meshlens.ingest.IngestService;
import io.meshlens.ingest.IngestStats;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Samples the ingest counters every 15 s into a {@link TelemetryVolume} kept for 25 h, so the usage
 * view can say what each tenant sent over a window.
 */
@ApplicationScoped
public class TelemetryVolumeRecorder {

  static final long INTERVAL_MS = 15_000;

  @Inject IngestService ingest;

  private final TelemetryVolume volume = new TelemetryVolume(25L * 3600 * 1000);
  private ScheduledExecutorService timer;

  void onStart(@Observes StartupEvent ev) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "meshlens-telemetry-volume");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleAtFixedRate(this::sample, 0, INTERVAL_MS, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** Records the counters now; also called by the view so a window ending now is covered. */
  void sample() {
    try {
      volume.record(System.currentTimeMillis(), snapshot(ingest));
    } catch (RuntimeException e) {
      // a failed sample leaves a gap; the next one fills the history again
    }
  }

  TelemetryVolume volume() {
    return volume;
  }

  static Map<String, TelemetryVolume.Counts> snapshot(IngestService ingest) {
    Map<String, long[]> acc = new HashMap<>();
    for (IngestStats s : ingest.allStats()) {
      int slot =
          switch (s.signal()) {
            case "metrics" -> 0;
            case "spans" -> 1;
            default -> 2;
          };
      s.pointsByTenant().forEach((t, n) -> acc.computeIfAbsent(t, k -> new long[4])[slot] += n);
      if (slot == 2) {
        s.bytesByTenant().forEach((t, n) -> acc.computeIfAbsent(t, k -> new long[4])[3] += n);
      }
    }
    Map<String, TelemetryVolume.Counts> out = new HashMap<>();
    acc.forEach((t, c) -> out.put(t, new TelemetryVolume.Counts(c[0], c[1], c[2], c[3])));
    return out;
  }
}
