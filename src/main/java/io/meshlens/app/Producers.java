package io.meshlens.app;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.store.MetricStore;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.sql.SQLException;

/** CDI producers for the plain-Java components that live for the whole process. */
@Singleton
final class Producers {

  /** The durable metric store under {@code <data-dir>/metrics}, loaded from disk at start-up. */
  @Produces
  @Singleton
  static MetricStore metricStore(MeshlensConfig config) throws SQLException {
    return MetricStore.open(
        Path.of(config.dataDir(), "metrics"), config.storage().metricsHeadWindow());
  }

  static void closeMetricStore(@Disposes MetricStore store) throws SQLException {
    store.close();
  }
}
