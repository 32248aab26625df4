package io.meshlens.tenancy;

import io.meshlens.config.MeshlensConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Holds the current {@link TenantDirectory}: loaded at start-up (a bad file stops start-up with
 * file, line and reason) and checked for changes every {@code meshlens.tenants-reload-interval}; a
 * bad new file keeps the previous directory and logs why.
 */
@Startup
@ApplicationScoped
public class TenantRegistry implements Supplier<TenantDirectory> {

  private static final Logger LOG = Logger.getLogger(TenantRegistry.class);

  @Inject MeshlensConfig config;

  private ReloadingTenantDirectory tenants;
  private ScheduledExecutorService watcher;

  @PostConstruct
  void init() {
    tenants = new ReloadingTenantDirectory(Path.of(config.tenantsFile()));
    LOG.infof("tenants loaded from %s: %s", tenants.file(), tenants.get().allTenants());
    long every = config.tenantsReloadInterval().toMillis();
    if (every > 0) {
      watcher =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "meshlens-tenants-reload");
                t.setDaemon(true);
                return t;
              });
      watcher.scheduleWithFixedDelay(this::reload, every, every, TimeUnit.MILLISECONDS);
    }
  }

  private void reload() {
    switch (tenants.reloadIfChanged()) {
      case RELOADED ->
          LOG.infof("tenants reloaded from %s: %s", tenants.file(), tenants.get().allTenants());
      case REJECTED ->
          LOG.errorf(
              "tenants file not reloaded, keeping the previous one: %s",
              tenants.lastError().map(Exception::getMessage).orElse("?"));
      case UNCHANGED -> {}
    }
  }

  @PreDestroy
  void stop() {
    if (watcher != null) {
      watcher.shutdownNow();
    }
  }

  @Override
  public TenantDirectory get() {
    return tenants.get();
  }

  public long failedReloads() {
    return tenants.failedReloads();
  }
}
