package io.meshlens.api.loki;

import io.meshlens.access.AccessControl;
import io.meshlens.access.ScopeResolver;
import io.meshlens.query.logql.LogqlEngine;
import io.meshlens.query.logql.LogqlException;
import io.meshlens.query.logql.LogqlLimits;
import io.meshlens.query.logql.LogqlParser;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.Scope;
import io.meshlens.store.logs.AccessLogStore;
import io.meshlens.store.logs.StreamSelection;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Loki HTTP API subset Grafana's Loki data source uses ({@code /loki/api/v1/query_range},
 * {@code query}, {@code labels}, {@code label/{name}/values}, {@code series}) over the access log
 * store, with the LogQL subset of {@code docs/loki-api.md}. Every call resolves the caller's {@link
 * Scope} first and every store read takes it, so no selector reaches another tenant's lines.
 */
@Path("/loki/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class LokiApiResource {

  private static final long HOUR_NS = 3600L * 1_000_000_000L;

  /** Most label sets {@code /series} answers. */
  private static final int MAX_SERIES_SETS = 10_000;

  @Inject AccessControl access;
  @Inject AccessLogStore store;

  private LogqlEngine engine;

  @PostConstruct
  void init() {
    engine = new LogqlEngine(store, LogqlLimits.defaults());
  }

  @GET
  @Path("query_range")
  public Response queryRange(
      @QueryParam("query") String query,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("since") String since,
      @QueryParam("limit") String limit,
      @QueryParam("direction") String direction,
      @QueryParam("step") String step,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    long now = System.currentTimeMillis() * 1_000_000L;
    long e = LokiParams.timestamp("end", end, now);
    long s = LokiParams.timestamp("start", start, e - LokiParams.duration("since", since, HOUR_NS));
    long st = LokiParams.duration("step", step, LokiParams.defaultStepNs(s, e));
    return ok(
        LokiJson.result(
            engine.rangeQuery(
                scope,
                required(query),
                s,
                e,
                st,
                LokiParams.limit(limit),
                LokiParams.forward(direction))));
  }

  @POST
  @Path("query_range")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response queryRangePost(
      @FormParam("query") String query,
      @FormParam("start") String start,
      @FormParam("end") String end,
      @FormParam("since") String since,
      @FormParam("limit") String limit,
      @FormParam("direction") String direction,
      @FormParam("step") String step,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return queryRange(query, start, end, since, limit, direction, step, authorization, orgId);
  }

  @GET
  @Path("query")
  public Response query(
      @QueryParam("query") String query,
      @QueryParam("time") String time,
      @QueryParam("limit") String limit,
      @QueryParam("direction") String direction,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    long t = LokiParams.timestamp("time", time, System.currentTimeMillis() * 1_000_000L);
    return ok(
        LokiJson.result(
            engine.instantQuery(
                scope,
                required(query),
                t,
                HOUR_NS,
                LokiParams.limit(limit),
                LokiParams.forward(direction))));
  }

  @POST
  @Path("query")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response queryPost(
      @FormParam("query") String query,
      @FormParam("time") String time,
      @FormParam("limit") String limit,
      @FormParam("direction") String direction,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return query(query, time, limit, direction, authorization, orgId);
  }

  @GET
  @Path("labels")
  public Response labels(
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("since") String since,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    StreamSelection sel = range(start, end, since, List.of());
    return ok(LokiJson.strings(read(() -> store.labelNames(scope, sel))));
  }

  @GET
  @Path("label/{name}/values")
  public Response labelValues(
      @PathParam("name") String name,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("since") String since,
      @QueryParam("query") String query,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    List<LabelMatcher> matchers =
        query == null || query.isBlank() ? List.of() : LogqlParser.parseSelector(query);
    StreamSelection sel = range(start, end, since, matchers);
    return ok(LokiJson.strings(read(() -> store.labelValues(scope, name, sel))));
  }

  @GET
  @Path("series")
  public Response series(
      @QueryParam("match[]") List<String> match,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("since") String since,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    List<List<LabelMatcher>> selectors = new ArrayList<>();
    for (String m : match == null ? List.<String>of() : match) {
      selectors.add(LogqlParser.parseSelector(m));
    }
    if (selectors.isEmpty()) {
      selectors.add(List.of());
    }
    // Several match[] select the union of their streams.
    Set<Map<String, String>> sets = new LinkedHashSet<>();
    for (List<LabelMatcher> matchers : selectors) {
      StreamSelection sel = range(start, end, since, matchers);
      sets.addAll(read(() -> store.streams(scope, sel, MAX_SERIES_SETS)));
    }
    List<Map<String, String>> out = new ArrayList<>(sets);
    out.sort(java.util.Comparator.comparing(Object::toString));
    return ok(LokiJson.labelSets(out));
  }

  @POST
  @Path("series")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response seriesPost(
      @FormParam("match[]") List<String> match,
      @FormParam("start") String start,
      @FormParam("end") String end,
      @FormParam("since") String since,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return series(match, start, end, since, authorization, orgId);
  }

  private static StreamSelection range(
      String start, String end, String since, List<LabelMatcher> matchers) {
    long e = LokiParams.timestamp("end", end, System.currentTimeMillis() * 1_000_000L);
    long s = LokiParams.timestamp("start", start, e - LokiParams.duration("since", since, HOUR_NS));
    if (e < s) {
      throw new LogqlException("end timestamp must not be before or equal to start time");
    }
    // Nanoseconds to the store's milliseconds: starts in [start, end].
    return new StreamSelection(
        Math.floorDiv(s + 999_999, 1_000_000L),
        Math.floorDiv(e, 1_000_000L) + 1,
        matchers,
        List.of());
  }

  private static String required(String query) {
    if (query == null || query.isBlank()) {
      throw new LogqlException("query parameter is required");
    }
    return query;
  }

  private interface Read<T> {
    T run() throws SQLException;
  }

  private static <T> T read(Read<T> r) {
    try {
      return r.run();
    } catch (SQLException e) {
      throw new IllegalStateException("log store read failed", e);
    }
  }

  private static Response ok(byte[] json) {
    return Response.ok(json, MediaType.APPLICATION_JSON).build();
  }
}
