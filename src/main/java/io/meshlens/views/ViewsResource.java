package io.meshlens.views;

import io.meshlens.access.AccessControl;
import io.meshlens.access.ScopeResolver;
import io.meshlens.api.ApiError;
import io.meshlens.ingest.IngestService;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.PromqlException;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.tenancy.TenantRegistry;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The views' JSON endpoints ({@code docs/views.md}): {@code GET /api/v1/views/usage}, {@code GET
 * /api/v1/views/traffic}, {@code GET /api/v1/views/health} and {@code GET /api/v1/views/isolation}.
 * Each resolves the caller's {@link Scope} first and computes the view with PromQL over it; answers
 * are {@code {"status":"success","data":...}}, errors Prometheus' format.
 */
@Path("/api/v1/views")
@Produces(MediaType.APPLICATION_JSON)
public class ViewsResource {

  @Inject AccessControl access;
  @Inject MetricStore store;
  @Inject TenantRegistry tenants;
  @Inject TelemetryVolumeRecorder volume;
  @Inject IngestService ingest;
  @Inject AccessLogStore logs;

  private final PromqlEngine engine = new PromqlEngine(EngineSettings.defaults());

  @GET
  @Path("usage")
  public Map<String, Object> usage(
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("step") String step,
      @QueryParam("groupBy") String groupBy,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    ViewParams p = ViewParams.parse(start, end, step, System.currentTimeMillis());
    UsageGroupBy g = UsageGroupBy.parse(groupBy);
    volume.sample();
    List<UsageReport.TelemetryRow> telemetry =
        telemetry(scope, p, store, volume.volume(), tenantsOf(scope));
    UsageReport r = run(() -> new UsageView(queries(scope), p, g).compute(telemetry));
    return Map.of("status", "success", "data", r);
  }

  @GET
  @Path("traffic")
  public Map<String, Object> traffic(
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("step") String step,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    ViewParams p = ViewParams.parse(start, end, step, System.currentTimeMillis());
    TrafficReport r = run(() -> new TrafficView(queries(scope), p, tenants.get()).compute());
    return Map.of("status", "success", "data", r);
  }

  @GET
  @Path("health")
  public Map<String, Object> health(
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("step") String step,
      @QueryParam("silentAfter") String silentAfter,
      @QueryParam("scrapeInterval") String scrapeInterval,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    ViewParams p = ViewParams.parse(start, end, step, System.currentTimeMillis());
    int n = HealthView.silentAfter(silentAfter);
    long interval = HealthView.scrapeInterval(scrapeInterval);
    HealthView view = new HealthView(queries(scope), p, tenants.get(), n, interval);
    HealthReport r =
        run(
            () ->
                scope.isEverything()
                    ? view.compute(store.newestSampleBy(scope, "cluster"), ingest.lag())
                    : view.compute(Map.of(), Map.of()));
    return Map.of("status", "success", "data", r);
  }

  @GET
  @Path("isolation")
  public Map<String, Object> isolation(
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("step") String step,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    ViewParams p = ViewParams.parse(start, end, step, System.currentTimeMillis());
    IsolationReport r =
        run(
            () ->
                new IsolationAudit(engine, store, logs, tenants.get()).compute(queries(scope), p));
    return Map.of("status", "success", "data", r);
  }

  private ViewQueries queries(Scope scope) {
    return new ViewQueries(engine, store, scope);
  }

  private TreeSet<String> tenantsOf(Scope scope) {
    if (!scope.isEverything()) {
      return new TreeSet<>(scope.tenantSet());
    }
    TreeSet<String> all = new TreeSet<>(tenants.get().allTenants());
    all.addAll(volume.volume().tenants());
    return all;
  }

  /** One telemetry row per tenant in scope. */
  static List<UsageReport.TelemetryRow> telemetry(
      Scope scope,
      ViewParams p,
      MetricStore store,
      TelemetryVolume volume,
      Iterable<String> names) {
    List<UsageReport.TelemetryRow> rows = new ArrayList<>();
    for (String t : names) {
      if (!scope.allows(t)) {
        continue;
      }
      TelemetryVolume.Rates r = volume.rates(t, p.startMs(), p.endMs());
      rows.add(
          new UsageReport.TelemetryRow(
              t,
              store.seriesCountOf(t),
              r == null ? null : r.samplesPerSecond(),
              r == null ? null : r.spansPerSecond(),
              r == null ? null : r.logEntriesPerSecond(),
              r == null ? null : r.logBytesPerSecond()));
    }
    return rows;
  }

  private interface Computation<T> {
    T run();
  }

  private static <T> T run(Computation<T> c) {
    try {
      return c.run();
    } catch (PromqlException ex) {
      throw new ApiError(ex.errorType(), ApiError.statusOf(ex.errorType()), ex.getMessage());
    }
  }
}
