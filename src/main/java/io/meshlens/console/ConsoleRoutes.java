package io.meshlens.console;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The web console is served as static files from {@code META-INF/resources/console/}; the bare root
 * of the API port leads to it.
 */
@ApplicationScoped
public class ConsoleRoutes {

  void routes(@Observes Router router) {
    router.get("/").handler(rc -> rc.redirect("/console/"));
  }
}
