package io.meshlens.it;

import io.meshlens.testing.KafkaContainerResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * The same end-to-end slice against Apache Kafka in a container. Runs where a Docker engine is
 * available and is skipped (reported as skipped, not passed) where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
@QuarkusTest
@WithTestResource(KafkaContainerResource.class)
class MetricsQueryTestcontainersTest extends AbstractMetricsQueryEndToEnd {

  @Override
  String bootstrapServers() {
    return KafkaContainerResource.bootstrapServers();
  }
}
