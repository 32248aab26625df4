package io.meshlens.app;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.ingest.IngestService;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantRegistry;
import io.meshlens.tenancy.TenantRetention;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Drops data past each signal's retention ({@code meshlens.storage.*-retention}) every {@code
 * meshlens.storage.retention-interval}, a whole day partition at a time; then, for tenants whose
 * own retention ({@code retention:} in the tenants file) is shorter, deletes their rows from the
 * days the others still keep.
 */
@ApplicationScoped
public class RetentionService {

  private static final Logger LOG = Logger.getLogger(RetentionService.class);

  @Inject MeshlensConfig config;
  @Inject MetricStore metrics;
  @Inject IngestService ingest;
  @Inject TenantRegistry tenants;

  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong droppedMetricDays = new AtomicLong();
  private ScheduledExecutorService timer;

  void onStart(@Observes StartupEvent ev) {
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "meshlens-retention");
              t.setDaemon(true);
              return t;
            });
    long every = config.storage().retentionInterval().toMillis();
    timer.scheduleWithFixedDelay(
        () -> run(System.currentTimeMillis()), every, every, TimeUnit.MILLISECONDS);
  }

  void onStop(@Observes ShutdownEvent ev) {
    if (timer != null) {
      timer.shutdownNow();
    }
  }

  /** One retention pass as of {@code nowMs}; failures are logged and counted, never thrown. */
  public void run(long nowMs) {
    MeshlensConfig.Storage s = config.storage();
    try {
      int days = metrics.dropBefore(nowMs - s.metricsRetention().toMillis());
      droppedMetricDays.addAndGet(days);
      ingest.spanStore().dropBefore((nowMs - s.spansRetention().toMillis()) * 1000);
      ingest.accessLogStore().dropBefore(nowMs - s.logsRetention().toMillis());
      // Tenants with a shorter retention of their own: their rows in the days still kept.
      for (Map.Entry<String, TenantRetention> e : tenants.get().retentionOverrides().entrySet()) {
        String tenant = e.getKey();
        TenantRetention r = e.getValue();
        if (shorter(r.metrics(), s.metricsRetention(), tenant, "metrics")) {
          metrics.dropTenantBefore(tenant, nowMs - r.metrics().toMillis());
        }
        if (shorter(r.spans(), s.spansRetention(), tenant, "spans")) {
          ingest.spanStore().dropTenantBefore(tenant, (nowMs - r.spans().toMillis()) * 1000);
        }
        if (shorter(r.logs(), s.logsRetention(), tenant, "logs")) {
          ingest.accessLogStore().dropTenantBefore(tenant, nowMs - r.logs().toMillis());
        }
      }
      runs.incrementAndGet();
      if (days > 0) {
        LOG.infof("retention dropped %d day(s) of metric samples", days);
      }
    } catch (Exception e) {
      failures.incrementAndGet();
      LOG.errorf(e, "retention pass failed; retried in %s", s.retentionInterval());
    }
  }

  /** Whether a tenant's retention applies: set and shorter than the deployment's. */
  private static boolean shorter(Duration own, Duration deployment, String tenant, String signal) {
    if (own == null) {
      return false;
    }
    if (own.compareTo(deployment) > 0) {
      LOG.warnf(
          "tenant %s: %s retention %s is longer than the deployment's %s and cannot extend it",
          tenant, signal, own, deployment);
      return false;
    }
    return own.compareTo(deployment) < 0;
  }

  public long runs() {
    return runs.get();
  }

  public long failures() {
    return failures.get();
  }

  public long droppedMetricDays() {
    return droppedMetricDays.get();
  }
}
