package io.meshlens.ingest;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.kafka.KafkaRuntime;
import io.meshlens.store.MetricStore;
import io.meshlens.tenancy.TenantRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Starts the Kafka consumers at start-up and stops them (committing offsets) at shutdown. */
@ApplicationScoped
public class IngestService {

  @Inject MeshlensConfig config;
  @Inject KafkaRuntime kafka;
  @Inject TenantRegistry tenants;
  @Inject MetricStore store;

  private final IngestStats stats = new IngestStats("metrics");
  private KafkaIngestLoop metricsLoop;
  private DeadLetterQueue deadLetters;

  void onStart(@Observes @Priority(10) StartupEvent ev) {
    MetricsPipeline pipeline =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            tenants,
            store,
            stats,
            MetricsPipeline.Encoding.parse(config.ingest().encoding()),
            config.ingest().maxRecordBytes());
    deadLetters = new DeadLetterQueue(kafka.bootstrapServers(), config.topics().deadLetter());
    metricsLoop =
        new KafkaIngestLoop(
            kafka.bootstrapServers(),
            config.ingest().groupId(),
            config.topics().metrics(),
            pipeline,
            deadLetters,
            config.ingest().pollTimeout());
    Thread t = new Thread(metricsLoop, "meshlens-ingest-metrics");
    t.setDaemon(true);
    t.start();
  }

  void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
    if (metricsLoop != null) {
      metricsLoop.close();
    }
    if (deadLetters != null) {
      deadLetters.close();
    }
  }

  /** Consumer lag per owned partition, as of each consumer's last poll. */
  public java.util.Map<org.apache.kafka.common.TopicPartition, Long> lag() {
    return metricsLoop == null ? java.util.Map.of() : metricsLoop.lag();
  }

  public IngestStats stats() {
    return stats;
  }

  /** Whether every consumer has been assigned its partitions. */
  public boolean isConsuming() {
    return metricsLoop != null && metricsLoop.isAssigned();
  }
}
