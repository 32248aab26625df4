package io.meshlens.app;

import io.meshlens.config.MeshlensConfig;
import io.meshlens.store.MetricStore;
import io.meshlens.store.PeerPrivacy;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.SQLException;

/** CDI producers for the plain-Java components that live for the whole process. */
@Singleton
final class Producers {

  /** The durable metric store under {@code <data-dir>/metrics}, loaded from disk at start-up. */
  @Produces
  @Singleton
  static MetricStore metricStore(MeshlensConfig config) throws SQLException, IOException {
    PeerPrivacy privacy =
        config.privacy().redactPeerLabels()
            ? PeerPrivacy.withKey(privacyKey(Path.of(config.dataDir(), "privacy.key")))
            : PeerPrivacy.OFF;
    return MetricStore.open(
        Path.of(config.dataDir(), "metrics"), config.storage().metricsHeadWindow(), privacy);
  }

  /** The key behind peer pseudonyms: created once, so pseudonyms survive restarts. */
  static byte[] privacyKey(Path file) throws IOException {
    if (!Files.exists(file)) {
      byte[] key = new byte[32];
      new SecureRandom().nextBytes(key);
      Files.createDirectories(file.toAbsolutePath().getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(tmp, key);
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
    return Files.readAllBytes(file);
  }

  static void closeMetricStore(@Disposes MetricStore store) throws SQLException {
    store.close();
  }
}
