package io.meshlens.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.meshlens.demo.SimulatorService;
import io.meshlens.kafka.KafkaRuntime;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The embedded default the demo uses: no {@code kafka.bootstrap.servers}, so Meshlens starts its
 * own KRaft broker under its data directory, and the simulator turns on by itself.
 */
@QuarkusTest
@TestProfile(EmbeddedDefaultTest.NoKafkaConfigured.class)
class EmbeddedDefaultTest {

  /** Nothing about Kafka configured; a free port and a fresh data directory. */
  public static final class NoKafkaConfigured implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      try {
        return Map.of(
            "meshlens.broker.port", "0",
            "meshlens.data-dir", Files.createTempDirectory("meshlens-embedded").toString(),
            "meshlens.tenants-file", "config/tenants.yaml",
            "meshlens.simulator.interval", "1s",
            "meshlens.ingest.max-record-bytes", "8388608");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Inject KafkaRuntime kafka;
  @Inject SimulatorService simulator;

  @Test
  void startsItsOwnBrokerAndSimulatorAndServesTheDemoQuery() {
    assertThat(kafka.isEmbedded()).isTrue();
    assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    assertThat(simulator.groundTruth()).isPresent();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              String v =
                  given()
                      .header("Authorization", "Bearer demo-payments-token")
                      .queryParam("query", "sum(istio_requests_total)")
                      .get("/api/v1/query")
                      .then()
                      .statusCode(200)
                      .extract()
                      .jsonPath()
                      .getString("data.result[0].value[1]");
              assertThat(v).isNotNull();
              assertThat(Double.parseDouble(v)).isPositive();
            });
  }

  @Test
  void brokerLogLivesUnderTheDataDirectory() {
    Path dataDir =
        Path.of(
            org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("meshlens.data-dir", String.class));
    assertThat(dataDir.resolve("kafka/cluster-id")).exists();
    assertThat(dataDir.resolve("kafka/log/meta.properties")).exists();
  }
}
