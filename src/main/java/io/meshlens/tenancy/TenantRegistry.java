package io.meshlens.tenancy;

import io.meshlens.config.ConfigFileException;
import io.meshlens.config.MeshlensConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Holds the current {@link TenantDirectory}. Loaded at start-up (a bad file stops start-up with
 * file, line and reason) and reloaded when the file changes; a bad new file keeps the previous
 * directory and logs why.
 */
@Startup
@ApplicationScoped
public class TenantRegistry implements Supplier<TenantDirectory> {

  private static final Logger LOG = Logger.getLogger(TenantRegistry.class);

  @Inject MeshlensConfig config;

  private volatile TenantDirectory current;
  private volatile FileTime loadedMtime;
  private final AtomicLong failedReloads = new AtomicLong();
  private ScheduledExecutorService watcher;

  @PostConstruct
  void init() {
    Path file = Path.of(config.tenantsFile());
    current = TenantDirectory.load(file);
    loadedMtime = mtime(file);
    LOG.infof("tenants loaded from %s: %s", file, current.allTenants());
    long every = config.tenantsReloadInterval().toMillis();
    if (every > 0) {
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "meshlens-tenants-reload");
                t.setDaemon(true);
                return t;
              });
      watcher.scheduleWithFixedDelay(
          () -> reloadIfChanged(file), every, every, TimeUnit.MILLISECONDS);
    }
  }

  @PreDestroy
  void stop() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }

  /** Reloads when the file's modification time moved. Returns whether a new config is in use. */
  boolean reloadIfChanged(Path file) {
    FileTime now = mtime(file);
    if (now == null || now.equals(loadedMtime)) {
      return false;
    }
    loadedMtime = now;
    try {
      current = TenantDirectory.load(file);
      LOG.infof("tenants reloaded from %s: %s", file, current.allTenants());
      return true;
    } catch (ConfigFileException e) {
      failedReloads.incrementAndGet();
      LOG.errorf("tenants file not reloaded, keeping the previous one: %s", e.getMessage());
      return false;
    }
  }

  private static FileTime mtime(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  @Override
  public TenantDirectory get() {
    return current;
  }

  public long failedReloads() {
    return failedReloads.get();
  }
}
