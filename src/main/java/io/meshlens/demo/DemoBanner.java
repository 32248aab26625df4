package io.meshlens.demo;

import io.meshlens.config.MeshlensConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Prints the demo's tokens and a few queries to try, so that whoever started the demo can use it
 * right away. Only the demo runs this: the plain tokens come from {@code
 * meshlens.demo.tokens-file}, which a real deployment does not have.
 */
@ApplicationScoped
public class DemoBanner {

  private static final Logger LOG = Logger.getLogger(DemoBanner.class);

  @Inject MeshlensConfig config;

  @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
  int port;

  void print() {
    Path file = Path.of(config.demo().tokensFile());
    List<String> tokens;
    try {
      tokens =
          Files.readAllLines(file).stream()
              .filter(l -> !l.isBlank() && !l.startsWith("#"))
              .toList();
    } catch (IOException e) {
      LOG.debugf("no demo tokens at %s", file);
      return;
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        "\n\n  Meshlens demo: simulated 3-cluster mesh flowing through Kafka into Meshlens\n");
    sb.append("  Demo tokens (DEMO ONLY, from ").append(file).append("):\n");
    for (String l : tokens) {
      String[] parts = l.trim().split("\\s+");
      if (parts.length == 2) {
        sb.append(String.format("    %-16s %s%n", parts[0], parts[1]));
      }
    }
    String base = "http://localhost:" + port;
    sb.append("  Web console: ").append(base).append("/ (sign in with a token above)\n");
    sb.append("  Try (data appears within a few seconds):\n");
    sb.append("    curl -s -H 'Authorization: Bearer demo-payments-token' '")
        .append(base)
        .append("/api/v1/query?query=sum(istio_requests_total)'\n");
    sb.append("    curl -s -H 'Authorization: Bearer demo-payments-token' '")
        .append(base)
        .append("/api/v1/query?query=sum%20by%20(tenant,cluster)(istio_requests_total)'\n");
    sb.append("    curl -s -H 'Authorization: Bearer demo-sre-token' '")
        .append(base)
        .append("/api/v1/query?query=sum%20by%20(tenant)(rate(istio_requests_total[1m]))'\n");
    sb.append("    curl -s -H 'Authorization: Bearer demo-sre-token' -H 'X-Scope-OrgID: shop' '")
        .append(base)
        .append("/api/v1/query?query=count(istio_requests_total)'\n");
    sb.append("  Health: http://localhost:9000/q/health/ready   Meshlens' own metrics:")
        .append(" http://localhost:9000/metrics\n");
    LOG.info(sb);
  }
}
