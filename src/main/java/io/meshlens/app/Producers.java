package io.meshlens.app;

import io.meshlens.store.MetricStore;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** CDI producers for the plain-Java components that live for the whole process. */
@Singleton
final class Producers {

  @Produces
  @Singleton
  static MetricStore metricStore() {
    return new MetricStore();
  }
}
