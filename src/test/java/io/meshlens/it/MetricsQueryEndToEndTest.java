package io.meshlens.it;

import io.meshlens.testing.InJvmKafka;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The end-to-end slice against a real KRaft broker running inside the test JVM. */
@QuarkusTest
@WithTestResource(InJvmKafka.class)
class MetricsQueryEndToEndTest extends AbstractMetricsQueryEndToEnd {

  @Override
  String bootstrapServers() {
    return InJvmKafka.bootstrapServers();
  }
}
