package io.meshlens.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.smallrye.reactive.messaging.kafka.companion.test.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real single-node KRaft Kafka broker inside the test JVM, on a free port, handed to Meshlens as
 * {@code kafka.bootstrap.servers} (so Meshlens starts no broker of its own), with a fresh data
 * directory per test class.
 */
public final class InJvmKafka implements QuarkusTestResourceLifecycleManager {

  private static EmbeddedKafkaBroker broker;

  @Override
  public Map<String, String> start() {
    broker =
        new EmbeddedKafkaBroker()
            .withKafkaHost("127.0.0.1")
            .withKafkaPort(0)
            .withAdditionalProperties(p -> p.put("num.partitions", "3"))
            .start();
    Path dataDir;
    try {
      dataDir = Files.createTempDirectory("meshlens-test-data");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.of(
        "kafka.bootstrap.servers", bootstrapServers(),
        "meshlens.data-dir", dataDir.toString());
  }

  /** {@code host:port} of the running broker. */
  public static String bootstrapServers() {
    String l = broker.getAdvertisedListeners().split(",")[0];
    return l.substring(l.indexOf("://") + 3);
  }

  @Override
  public void stop() {
    if (broker != null) {
      broker.close();
    }
  }
}
