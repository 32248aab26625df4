package io.meshlens.telemetry;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.kafka.KafkaRuntime;
import io.meshlens.store.MetricStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Runs {@link SelfMetricsRecorder} every {@code meshlens.self-metrics.interval} when {@code
 * meshlens.self-metrics.enabled} (default: with the embedded broker, i.e. in the demo). In a
 * deployment Prometheus scrapes {@code /metrics} instead (kubernetes/servicemonitor.yaml).
 */
@ApplicationScoped
public class SelfMetricsService {

  private static final Logger LOG = Logger.getLogger(SelfMetricsService.class);

  @Inject MeshlensConfig config;
  @Inject KafkaRuntime kafka;
  @Inject MetricsEndpoint metrics;
  @Inject MetricStore store;

  private ScheduledExecutorService ticker;

  void onStart(@Observes StartupEvent ev) {
    MeshlensConfig.SelfMetrics s = config.selfMetrics();
    if (!s.enabled().orElse(kafka.isEmbedded())) {
      return;
    }
    SelfMetricsRecorder recorder =
        new SelfMetricsRecorder(metrics.registry(), store, s.cluster(), hostName());
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "meshlens-self-metrics");
              t.setDaemon(true);
              return t;
            });
    long every = s.interval().toMillis();
    ticker.scheduleAtFixedRate(
        () -> {
          try {
            recorder.record(System.currentTimeMillis());
          } catch (RuntimeException e) {
            LOG.warn("recording Meshlens' own metrics failed", e);
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
    LOG.infof(
        "Meshlens' own metrics go to tenant platform, cluster %s, every %d ms", s.cluster(), every);
  }

  void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
    if (ticker != null) {
      ticker.shutdownNow();
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }
}
