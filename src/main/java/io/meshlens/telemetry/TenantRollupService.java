package io.meshlens.telemetry;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Runs {@link TenantRollups} every {@code meshlens.alerting.rollup-interval} on its own thread and
 * puts the result on {@code /metrics} ({@link RollupCollector}).
 */
@Startup
@ApplicationScoped
public class TenantRollupService {

  private static final Logger LOG = Logger.getLogger(TenantRollupService.class);

  @Inject MetricStore store;
  @Inject TenantRegistry tenants;
  @Inject MeshlensConfig config;
  @Inject MetricsEndpoint metrics;

  private final AtomicReference<TenantRollups.Snapshot> last =
      new AtomicReference<>(TenantRollups.Snapshot.EMPTY);
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile double lastDurationSeconds;
  private volatile long lastSuccessMs;
  private TenantRollups rollups;
  private ScheduledExecutorService timer;

  @PostConstruct
  void init() {
    MeshlensConfig.Alerting a = config.alerting();
    if (a.maxClusters() < 1 || a.maxSeries() < 1 || a.rollupInterval().toMillis() < 1) {
      throw new IllegalArgumentException(
          "meshlens.alerting: rollup-interval, max-clusters and max-series must be positive, got "
              + a.rollupInterval()
              + ", "
              + a.maxClusters()
              + ", "
              + a.maxSeries());
    }
    rollups =
        new TenantRollups(
            new PromqlEngine(EngineSettings.defaults()),
            store,
            tenants,
            store::seriesCountOf,
            a.maxClusters(),
            a.maxSeries());
    metrics
        .registry()
        .register(
            new RollupCollector(
                last::get,
                () ->
                    new RollupCollector.JobStats(
                        runs.get(), failures.get(), lastDurationSeconds, lastSuccessMs)));
  }

  void onStart(@Observes StartupEvent ev) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "meshlens-tenant-rollups");
              t.setDaemon(true);
              return t;
            });
    long every = config.alerting().rollupInterval().toMillis();
    // The first run right away: it takes what the store holds at start-up as the baseline.
    timer.scheduleWithFixedDelay(this::run, 0, every, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  private void run() {
    long started = System.nanoTime();
    try {
      last.set(rollups.compute(System.currentTimeMillis()));
      lastSuccessMs = System.currentTimeMillis();
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      LOG.warn("per-tenant rollups failed; /metrics keeps the previous values", e);
    } finally {
      runs.incrementAndGet();
      lastDurationSeconds = (System.nanoTime() - started) / 1e9;
    }
  }

  /** The last computed rollups (for tests). */
  TenantRollups.Snapshot last() {
    return last.get();
  }
}
