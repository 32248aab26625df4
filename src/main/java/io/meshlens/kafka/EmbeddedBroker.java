package io.meshlens.kafka;

import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * A real single-node KRaft Kafka broker running inside the Meshlens JVM, for the embedded default
 * (no {@code kafka.bootstrap.servers} configured). Its log lives under {@code <data-dir>/kafka}
 * with a persisted cluster id, so a restarted demo finds its topics and offsets again; it stops
 * with the service.
 *
 * <p>The broker itself is SmallRye's {@link EmbeddedKafkaBroker} (Kafka's own {@code
 * KafkaRaftServer} with storage formatting done for us), not a home-made one.
 */
public final class EmbeddedBroker implements AutoCloseable {

  private final EmbeddedKafkaBroker broker;

  private EmbeddedBroker(EmbeddedKafkaBroker broker) {
    this.broker = broker;
  }

  /**
   * Starts a broker on 127.0.0.1.
   *
   * @param dir log directory (created when missing)
   * @param port client port; 0 picks a free one
   */
  public static EmbeddedBroker start(Path dir, int port) {
    try {
      Files.createDirectories(dir);
      Path idFile = dir.resolve("cluster-id");
      String clusterId;
      if (Files.exists(idFile)) {
        clusterId = Files.readString(idFile, StandardCharsets.UTF_8).trim();
      } else {
        clusterId = Uuid.randomUuid().toString();
        Files.writeString(idFile, clusterId, StandardCharsets.UTF_8);
      }
      Path logDir = dir.resolve("log");
      EmbeddedKafkaBroker b =
          new EmbeddedKafkaBroker()
              .withNodeId(1)
              .withKafkaHost("127.0.0.1")
              .withKafkaPort(port)
              .withClusterId(clusterId)
              .withDeleteLogDirsOnClose(false)
              .withAdditionalProperties(
                  p -> {
                    p.put("log.dirs", logDir.toAbsolutePath().toString());
                    p.put("auto.create.topics.enable", "false");
                    // The demo keeps a day of telemetry in its broker; production brokers are
                    // the operator's.
                    p.put("log.retention.hours", "24");
                  });
      return new EmbeddedBroker(b.start());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the embedded broker in " + dir, e);
    }
  }

  /** {@code host:port} for clients. */
  public String bootstrapServers() {
    String listeners = broker.getAdvertisedListeners();
    return List.of(listeners.split(",")).stream()
        .map(l -> l.substring(l.indexOf("://") + 3))
        .collect(Collectors.joining(","));
  }

  /** Creates the topics that do not exist yet. */
  public void createTopics(List<String> topics, int partitions) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    try (Admin admin = Admin.create(p)) {
      for (String t : topics) {
        try {
          admin
              .createTopics(List.of(new NewTopic(t, partitions, (short) 1).configs(Map.of())))
              .all()
              .get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new IllegalStateException("cannot create topic " + t, e.getCause());
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while creating topics", e);
    }
  }

  @Override
  public void close() {
    broker.close();
  }
}
