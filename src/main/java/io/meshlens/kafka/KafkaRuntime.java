package io.meshlens.kafka;

import io.meshlens.config.MeshlensConfig;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Where Kafka is. With {@code kafka.bootstrap.servers} (env {@code KAFKA_BOOTSTRAP_SERVERS}) set,
 * that broker, and none is started. Without it, a real single-node broker started in this JVM under
 * {@code <data-dir>/kafka} (the embedded default), with the signal topics created.
 */
@ApplicationScoped
public class KafkaRuntime {

  private static final Logger LOG = Logger.getLogger(KafkaRuntime.class);

  @Inject MeshlensConfig config;

  @ConfigProperty(name = "kafka.bootstrap.servers")
  Optional<String> configuredServers;

  private EmbeddedBroker embedded;
  private String servers;

  /** The bootstrap servers to use, starting the embedded broker on first call when needed. */
  public synchronized String bootstrapServers() {
    if (servers == null) {
      if (configuredServers.isPresent() && !configuredServers.get().isBlank()) {
        servers = configuredServers.get().trim();
        LOG.infof("using Kafka at %s", servers);
      } else {
        Path dir = Path.of(config.dataDir(), "kafka");
        long t0 = System.nanoTime();
        embedded = EmbeddedBroker.start(dir, config.broker().port());
        servers = embedded.bootstrapServers();
        embedded.createTopics(allTopics(), config.broker().partitions());
        LOG.infof(
            "started embedded Kafka broker at %s (log %s) in %d ms",
            servers, dir.toAbsolutePath(), (System.nanoTime() - t0) / 1_000_000);
      }
    }
    return servers;
  }

  /** Whether Meshlens runs its own broker (decides the simulator's default). */
  public boolean isEmbedded() {
    return configuredServers.map(String::isBlank).orElse(true);
  }

  private List<String> allTopics() {
    List<String> all = new ArrayList<>();
    all.addAll(config.topics().metrics());
    all.addAll(config.topics().spans());
    all.addAll(config.topics().logs());
    all.addAll(config.topics().accessLogs());
    all.add(config.topics().deadLetter());
    return all;
  }

  @PreDestroy
  synchronized void stop() {
    if (embedded != null) {
      embedded.close();
      embedded = null;
    }
  }
}
