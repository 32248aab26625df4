package io.meshlens.api.audit;

import io.meshlens.access.AccessDeniedException;
import io.meshlens.access.Identity;
import io.meshlens.access.RequestCaller;
import io.meshlens.store.Scope;
import io.meshlens.telemetry.MetricsEndpoint;
import io.meshlens.tenancy.TenantRegistry;
import io.prometheus.metrics.core.metrics.Histogram;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ResourceInfo;
import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * Accounts for every data query of every API (Prometheus, Jaeger, Loki, ...) in one place, as a
 * request/response filter around the resources: {@link QueryAccounting} on {@code /metrics} and one
 * {@link AccessLogLine} in the {@code io.meshlens.access.log} category, and {@code
 * meshlens_query_duration_seconds{api}} (a histogram) for the query latency alert. A request is a
 * data query when it went through access control: it was authenticated ({@link RequestCaller}) or
 * refused by it; open endpoints such as {@code /api/v1/status/buildinfo} are not counted.
 */
@Startup
@ApplicationScoped
public class QueryAudit {

  /** The logging category of the access log. */
  public static final String CATEGORY = "io.meshlens.access.log";

  private static final Logger ACCESS_LOG = Logger.getLogger(CATEGORY);
  private static final String STARTED = QueryAudit.class.getName() + ".started";

  @Inject RequestCaller caller;
  @Inject TenantRegistry tenants;
  @Inject MetricsEndpoint metrics;

  private QueryAccounting accounting;
  private Histogram durations;
  private final Map<Method, String> endpoints = new ConcurrentHashMap<>();

  @PostConstruct
  void init() {
    accounting = new QueryAccounting(name -> tenants.get().exists(name));
    metrics.registry().register(accounting);
    durations =
        Histogram.builder()
            .name("meshlens_query_duration_seconds")
            .help("Time from request to response of data queries, answered or refused, by API.")
            .labelNames("api")
            .classicOnly()
            .classicUpperBounds(
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
            .register(metrics.registry());
  }

  @ServerRequestFilter
  void started(ContainerRequestContext request) {
    request.setProperty(STARTED, System.nanoTime());
  }

  @ServerResponseFilter
  void finished(
      ContainerRequestContext request,
      ContainerResponseContext response,
      ResourceInfo resource,
      Throwable failure) {
    Optional<Identity> identity = caller.identity();
    if (identity.isEmpty() && !(failure instanceof AccessDeniedException)) {
      return;
    }
    Method method = resource == null ? null : resource.getResourceMethod();
    if (method == null) {
      return;
    }
    int status = response.getStatus();
    Denial denial = Denial.of(status, failure).orElse(null);
    // null: the whole mesh; empty: no scope was granted.
    Scope granted = caller.scope().orElse(null);
    Set<String> scope =
        granted == null ? Set.of() : granted.isEverything() ? null : granted.tenantSet();
    String api = api(resource.getResourceClass());
    accounting.record(api, scope, status, denial);
    Object started = request.getProperty(STARTED);
    long durationNanos = started instanceof Long t ? Math.max(0, System.nanoTime() - t) : 0;
    long durationMs = durationNanos / 1_000_000;
    durations.labelValues(api).observe(durationNanos / 1e9);
    ACCESS_LOG.info(
        AccessLogLine.format(
            identity.map(Identity::subject).orElse(null),
            scope,
            api,
            endpoints.computeIfAbsent(method, m -> endpoint(request.getMethod(), m)),
            status,
            durationMs,
            denial));
  }

  /** For tests and views: the counters behind {@code /metrics}. */
  public QueryAccounting accounting() {
    return accounting;
  }

  /** {@code prometheus} for {@code PrometheusApiResource}, {@code jaeger}, {@code loki}, ... */
  static String api(Class<?> resource) {
    String name = resource.getSimpleName();
    for (String suffix : new String[] {"ApiResource", "Resource"}) {
      if (name.endsWith(suffix) && name.length() > suffix.length()) {
        name = name.substring(0, name.length() - suffix.length());
        break;
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** The route template, e.g. {@code GET /api/traces/{traceId}}: ids in the path stay out. */
  private static String endpoint(String httpMethod, Method m) {
    Path classPath = m.getDeclaringClass().getAnnotation(Path.class);
    Path methodPath = m.getAnnotation(Path.class);
    String path = classPath == null ? "" : classPath.value();
    if (methodPath != null) {
      path = path.replaceAll("/+$", "") + "/" + methodPath.value().replaceAll("^/+", "");
    }
    return httpMethod + " " + path;
  }
}
