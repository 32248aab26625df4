package io.meshlens.app;

import io.meshlens.ingest.IngestService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the Kafka consumers own their partitions. */
@Readiness
@ApplicationScoped
public class IngestReadiness implements HealthCheck {

  @Inject IngestService ingest;

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("kafka-ingest")
        .status(ingest.isConsuming())
        .withData("records", ingest.stats().records())
        .withData("samples", ingest.stats().samples())
        .build();
  }
}
