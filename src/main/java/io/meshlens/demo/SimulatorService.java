package io.meshlens.demo;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.kafka.KafkaRuntime;
import io.meshlens.simulator.Encoding;
import io.meshlens.simulator.GroundTruth;
import io.meshlens.simulator.MeshSimulator;
import io.meshlens.simulator.SimulatorPublisher;
import io.meshlens.simulator.SimulatorSettings;
import io.meshlens.simulator.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

/**
 * Runs the {@link MeshSimulator} against Kafka, as every cluster's OpenTelemetry Collector and log
 * forwarder would: one export per interval. On by default only when Meshlens started its own broker
 * (the demo); {@code meshlens.simulator.enabled} overrides.
 */
@ApplicationScoped
public class SimulatorService {

  private static final Logger LOG = Logger.getLogger(SimulatorService.class);

  @Inject MeshlensConfig config;
  @Inject KafkaRuntime kafka;
  @Inject DemoBanner banner;

  private ScheduledExecutorService ticker;
  private KafkaProducer<byte[], byte[]> producer;
  private volatile MeshSimulator simulator;
  private volatile SimulatorPublisher publisher;

  void onStart(@Observes @Priority(20) StartupEvent ev) {
    boolean enabled = config.simulator().enabled().orElse(kafka.isEmbedded());
    if (!enabled) {
      return;
    }
    MeshlensConfig.Simulator s = config.simulator();
    SimulatorSettings settings =
        SimulatorSettings.defaults()
            .withSeed(s.seed())
            .withRequestsPerSecond(s.requestsPerSecond())
            .withReplicasPerWorkload(s.replicasPerWorkload())
            .withExtraTenants(s.extraTenants())
            .withEncoding(parseEncoding(s.encoding()))
            .withFailover(s.failoverStart(), s.failoverEnd())
            .withTopics(
                new Topics(
                    config.topics().metrics().get(0),
                    config.topics().spans().get(0),
                    config.topics().logs().get(0),
                    config.topics().accessLogs().get(0)));
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "meshlens-simulator");
    p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    SimulatorPublisher publisher = new SimulatorPublisher(producer, settings);
    this.publisher = publisher;
    simulator = new MeshSimulator(settings, Instant.now(), s.failoverEjectionDelay());
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "meshlens-simulator");
              t.setDaemon(true);
              return t;
            });
    long every = s.interval().toMillis();
    ticker.scheduleAtFixedRate(
        () -> {
          try {
            publisher.publish(simulator.tick(Instant.now()));
          } catch (RuntimeException e) {
            LOG.error("simulator tick failed", e);
          }
        },
        0,
        every,
        TimeUnit.MILLISECONDS);
    LOG.infof(
        "mesh simulator running: clusters %s, tenants %s, %d pods, %.0f requests/s, export every"
            + " %d ms",
        simulator.topology().clusterNames(),
        simulator.topology().tenantNames(),
        simulator.topology().pods().size(),
        s.requestsPerSecond(),
        every);
    banner.print();
  }

  private static Encoding parseEncoding(String s) {
    return switch (s) {
      case "otlp_proto" -> Encoding.OTLP_PROTO;
      case "otlp_json" -> Encoding.OTLP_JSON;
      default ->
          throw new IllegalArgumentException(
              "meshlens.simulator.encoding: unknown '" + s + "' (known: otlp_proto, otlp_json)");
    };
  }

  void onStop(@Observes ShutdownEvent ev) throws InterruptedException {
    if (ticker != null) {
      ticker.shutdownNow();
      ticker.awaitTermination(5, TimeUnit.SECONDS);
    }
    if (producer != null) {
      producer.close();
    }
  }

  /**
   * Fault injection: stops ({@code true}) or resumes publishing one cluster's telemetry, as if its
   * Collectors went down ({@link SimulatorPublisher#silence}). No effect when the simulator is off.
   */
  public void silenceCluster(String cluster, boolean silent) {
    SimulatorPublisher p = publisher;
    if (p != null) {
      p.silence(cluster, silent);
    }
  }

  /** What the simulator emitted so far, when it runs. */
  public Optional<GroundTruth> groundTruth() {
    MeshSimulator s = simulator;
    return s == null ? Optional.empty() : Optional.of(s.groundTruth());
  }
}
