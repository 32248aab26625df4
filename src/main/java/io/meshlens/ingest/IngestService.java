package io.meshlens.ingest;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.ingest.otlp.OtlpMetricsTranslator;
import io.meshlens.ingest.otlp.TranslatorSettings;
import io.meshlens.kafka.KafkaRuntime;
import io.meshlens.store.MetricStore;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.tenancy.TenantRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Starts one Kafka consumer per signal at start-up (metrics; spans; access logs from the forwarder
 * topic and OTLP logs) and stops them at shutdown. Metrics, spans and logs live in DuckDB files
 * under {@code <data-dir>/metrics}, {@code <data-dir>/spans} and {@code <data-dir>/logs}, each with
 * the Kafka offsets it covers.
 */
@ApplicationScoped
public class IngestService {

  @Inject MeshlensConfig config;
  @Inject KafkaRuntime kafka;
  @Inject TenantRegistry tenants;
  @Inject MetricStore store;

  private final List<KafkaIngestLoop> loops = new ArrayList<>();
  private MetricsPipeline metrics;
  private MetricsHandler metricsHandler;
  private SpansHandler spans;
  private AccessLogsHandler logs;
  private SpanStore spanStore;
  private AccessLogStore logStore;
  private DeadLetterQueue deadLetters;

  /** Handlers and stores exist from construction on, so /metrics can read their counters. */
  @PostConstruct
  void init() throws Exception {
    metrics =
        new MetricsPipeline(
            new OtlpMetricsTranslator(TranslatorSettings.defaults()),
            tenants,
            store,
            new IngestStats("metrics"),
            MetricsPipeline.Encoding.parse(config.ingest().encoding()),
            config.ingest().maxRecordBytes());
    metricsHandler =
        new MetricsHandler(
            metrics, store, config.storage().metricsCheckpointInterval(), Clock.systemUTC());
    spanStore = new SpanStore(Path.of(config.dataDir(), "spans"));
    logStore = new AccessLogStore(Path.of(config.dataDir(), "logs"));
    spans = new SpansHandler(spanStore, tenants);
    Set<String> otlpLogTopics = new HashSet<>(config.topics().logs());
    logs = new AccessLogsHandler(logStore, tenants, otlpLogTopics);
  }

  void onStart(@Observes @Priority(10) StartupEvent ev) {
    deadLetters = new DeadLetterQueue(kafka.bootstrapServers(), config.topics().deadLetter());

    List<String> logTopics = new ArrayList<>(config.topics().accessLogs());
    logTopics.addAll(config.topics().logs());
    start("metrics", config.topics().metrics(), metricsHandler);
    start("spans", config.topics().spans(), spans);
    start("logs", logTopics, logs);
  }

  private void start(String signal, List<String> topics, RecordHandler handler) {
    KafkaIngestLoop loop =
        new KafkaIngestLoop(
            kafka.bootstrapServers(),
            config.ingest().groupId(),
            topics,
            "meshlens-" + signal,
            handler,
            deadLetters,
            config.ingest().pollTimeout(),
            workerThreads());
    loops.add(loop);
    Thread t = new Thread(loop, "meshlens-ingest-" + signal);
    t.setDaemon(true);
    t.start();
  }

  /** {@code meshlens.ingest.worker-threads}, where 0 means one per processor. */
  private int workerThreads() {
    int n = config.ingest().workerThreads();
    return n > 0 ? n : Runtime.getRuntime().availableProcessors();
  }

  void onStop(@Observes ShutdownEvent ev) throws Exception {
    for (KafkaIngestLoop loop : loops) {
      loop.close();
    }
    // The consumer has stopped: the head holds exactly the data of the last flushed batch.
    metricsHandler.checkpoint();
    if (deadLetters != null) {
      deadLetters.close();
    }
    if (spanStore != null) {
      spanStore.close();
    }
    if (logStore != null) {
      logStore.close();
    }
  }

  /** Metric store checkpoints that failed since start-up. */
  public long failedMetricCheckpoints() {
    return metricsHandler.failedCheckpoints();
  }

  /** The metrics path's counters. */
  public IngestStats stats() {
    return metrics.stats();
  }

  /** Counters of every signal. */
  public List<IngestStats> allStats() {
    return List.of(metrics.stats(), spans.stats(), logs.stats());
  }

  public SpanStore spanStore() {
    return spanStore;
  }

  /** The access log store, also the CDI bean the Loki API reads through. */
  @Produces
  @Singleton
  public AccessLogStore accessLogStore() {
    return logStore;
  }

  /** Whether every consumer has been assigned its partitions. */
  public boolean isConsuming() {
    return !loops.isEmpty() && loops.stream().allMatch(KafkaIngestLoop::isAssigned);
  }

  /** Consumer lag per owned partition, as of each consumer's last poll. */
  public Map<TopicPartition, Long> lag() {
    Map<TopicPartition, Long> all = new HashMap<>();
    loops.forEach(l -> all.putAll(l.lag()));
    return all;
  }
}
