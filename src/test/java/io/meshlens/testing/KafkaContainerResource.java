package io.meshlens.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import org.testcontainers.kafka.KafkaContainer;

/** Apache Kafka in a container (Testcontainers), for machines with Docker. */
public final class KafkaContainerResource implements QuarkusTestResourceLifecycleManager {

  private static KafkaContainer kafka;

  @Override
  public Map<String, String> start() {
    kafka = new KafkaContainer("apache/kafka:4.1.1");
    kafka.start();
    try {
      return Map.of(
          "kafka.bootstrap.servers", bootstrapServers(),
          "meshlens.data-dir", Files.createTempDirectory("meshlens-tc-data").toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String bootstrapServers() {
    return kafka.getBootstrapServers();
  }

  @Override
  public void stop() {
    if (kafka != null) {
      kafka.stop();
    }
  }
}
