package io.meshlens.api;

import io.meshlens.access.AccessControl;
import io.meshlens.access.ScopeResolver;
import io.meshlens.config.MeshlensConfig;
import io.meshlens.model.Labels;
import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PrometheusJsonFormat;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.PromqlException;
import io.meshlens.query.promql.PromqlParser;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.MetricStore;
import io.meshlens.store.Scope;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.event.Observes;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The Prometheus HTTP API ({@code /api/v1/query}, {@code /api/v1/query_range}, {@code
 * /api/v1/series}, {@code /api/v1/labels}, {@code /api/v1/label/{name}/values}, {@code
 * /api/v1/metadata}, {@code /api/v1/status/buildinfo}), so that Grafana's Prometheus data source
 * and PromQL habits work unchanged. Every data call resolves the caller's {@link Scope} first; the
 * engine reads the store only through it.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Startup
public class PrometheusApiResource {

  @Inject AccessControl access;
  @Inject MetricStore store;
  @Inject MeshlensConfig config;

  private static final Logger LOG = Logger.getLogger(PrometheusApiResource.class);

  /** Rounds of {@link QueryWarmUp#QUERIES}, instant and range: about 3 s of one core. */
  private static final int WARM_UP_ROUNDS = 60;

  private PromqlEngine engine;

  private volatile boolean stopping;

  /** Built at start-up, so that an invalid {@code meshlens.query.*} limit stops the start. */
  @PostConstruct
  void init() {
    engine =
        new PromqlEngine(
            EngineSettings.defaults()
                .withMaxSamples(config.query().maxSamples())
                .withTimeout(config.query().timeout()));
  }

  /** {@code meshlens.query.warm-up}: compiles the query path before the first real query. */
  void warmUp(@Observes StartupEvent event) {
    if (!config.query().warmUp()) {
      return;
    }
    Thread t =
        new Thread(
            () -> {
              long t0 = System.nanoTime();
              try {
                int n = QueryWarmUp.run(engine, r -> ok(r), WARM_UP_ROUNDS, () -> stopping);
                LOG.infof(
                    "query path warmed up: %d evaluations in %d ms",
                    n, (System.nanoTime() - t0) / 1_000_000);
              } catch (RuntimeException e) {
                LOG.warn("query warm-up failed; queries still work, the first ones run slower", e);
              }
            },
            "query-warm-up");
    t.setDaemon(true);
    t.setPriority(Thread.MIN_PRIORITY);
    t.start();
  }

  void stopWarmUp(@Observes ShutdownEvent event) {
    stopping = true;
  }

  @GET
  @Path("query")
  public Uni<Response> query(
      @QueryParam("query") String query,
      @QueryParam("time") String time,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    long t = ApiParams.time("time", time, System.currentTimeMillis());
    String q = nonNull(query);
    return answer(scope, q, t, t, 0, () -> ok(run(() -> engine.instantQuery(store, scope, q, t))));
  }

  @POST
  @Path("query")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Uni<Response> queryPost(
      @FormParam("query") String query,
      @FormParam("time") String time,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return query(query, time, authorization, orgId);
  }

  @GET
  @Path("query_range")
  public Uni<Response> queryRange(
      @QueryParam("query") String query,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("step") String step,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    if (start == null || start.isEmpty()) {
      throw ApiError.badData("invalid parameter \"start\": cannot parse \"\" to a valid timestamp");
    }
    if (end == null || end.isEmpty()) {
      throw ApiError.badData("invalid parameter \"end\": cannot parse \"\" to a valid timestamp");
    }
    long s = ApiParams.time("start", start, 0);
    long e = ApiParams.time("end", end, 0);
    long st = ApiParams.duration("step", step);
    // The engine checks end >= start, step > 0 and the 11,000-point limit with Prometheus' words.
    String q = nonNull(query);
    return answer(
        scope, q, s, e, st, () -> ok(run(() -> engine.rangeQuery(store, scope, q, s, e, st))));
  }

  @POST
  @Path("query_range")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Uni<Response> queryRangePost(
      @FormParam("query") String query,
      @FormParam("start") String start,
      @FormParam("end") String end,
      @FormParam("step") String step,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return queryRange(query, start, end, step, authorization, orgId);
  }

  @GET
  @Path("series")
  public Response series(
      @QueryParam("match[]") List<String> match,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    if (match == null || match.isEmpty()) {
      throw ApiError.badData("no match[] parameter provided");
    }
    List<List<LabelMatcher>> sets = selectors(match);
    long s = ApiParams.time("start", start, Long.MIN_VALUE);
    long e = ApiParams.time("end", end, Long.MAX_VALUE);
    List<Labels> found = store.series(scope, sets, s, e);
    return ok(
        json -> {
          json.gen().writeStartArray();
          for (Labels l : found) {
            json.labels(l);
          }
          json.gen().writeEndArray();
        });
  }

  @POST
  @Path("series")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response seriesPost(
      @FormParam("match[]") List<String> match,
      @FormParam("start") String start,
      @FormParam("end") String end,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return series(match, start, end, authorization, orgId);
  }

  @GET
  @Path("labels")
  public Response labels(
      @QueryParam("match[]") List<String> match,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    List<List<LabelMatcher>> sets = selectors(match);
    long s = ApiParams.time("start", start, Long.MIN_VALUE);
    long e = ApiParams.time("end", end, Long.MAX_VALUE);
    return strings(store.labelNames(scope, sets, s, e));
  }

  @POST
  @Path("labels")
  @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
  public Response labelsPost(
      @FormParam("match[]") List<String> match,
      @FormParam("start") String start,
      @FormParam("end") String end,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    return labels(match, start, end, authorization, orgId);
  }

  @GET
  @Path("label/{name}/values")
  public Response labelValues(
      @PathParam("name") String name,
      @QueryParam("match[]") List<String> match,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    if (!LABEL_NAME.matcher(name).matches()) {
      throw ApiError.badData("invalid label name: \"" + name + "\"");
    }
    List<List<LabelMatcher>> sets = selectors(match);
    long s = ApiParams.time("start", start, Long.MIN_VALUE);
    long e = ApiParams.time("end", end, Long.MAX_VALUE);
    return strings(store.labelValues(scope, name, sets, s, e));
  }

  /**
   * Type, help and unit per metric family, as the Collectors last sent them; only families with a
   * series the caller may see.
   */
  @GET
  @Path("metadata")
  public Response metadata(
      @QueryParam("metric") String metric,
      @QueryParam("limit") String limit,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId) {
    Scope scope = access.scope(authorization, orgId);
    int max = -1;
    if (limit != null && !limit.isEmpty()) {
      try {
        max = Integer.parseInt(limit);
      } catch (NumberFormatException ex) {
        throw ApiError.badData("limit must be a number");
      }
    }
    Map<String, List<MetricStore.Metadata>> found =
        store.metadata(scope, metric == null || metric.isEmpty() ? null : metric, max);
    return ok(
        json -> {
          var g = json.gen();
          g.writeStartObject();
          for (Map.Entry<String, List<MetricStore.Metadata>> e : found.entrySet()) {
            g.writeArrayFieldStart(e.getKey());
            for (MetricStore.Metadata m : e.getValue()) {
              g.writeStartObject();
              g.writeStringField("type", m.type());
              g.writeStringField("help", m.help());
              g.writeStringField("unit", m.unit());
              g.writeEndObject();
            }
            g.writeEndArray();
          }
          g.writeEndObject();
        });
  }

  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  private static List<List<LabelMatcher>> selectors(List<String> match) {
    List<List<LabelMatcher>> sets = new ArrayList<>();
    if (match != null) {
      for (String m : match) {
        try {
          sets.add(PromqlParser.parseMetricSelector(m));
        } catch (PromqlException ex) {
          throw new ApiError(ex.errorType(), ApiError.statusOf(ex.errorType()), ex.getMessage());
        }
      }
    }
    return sets;
  }

  private interface DataWriter {
    void write(PromJson json) throws IOException;
  }

  private static Response ok(DataWriter data) {
    try (PromJson json = new PromJson()) {
      json.beginSuccess();
      data.write(json);
      json.endSuccess(List.of());
      return Response.ok(json.finish(), MediaType.APPLICATION_JSON).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Response strings(List<String> values) {
    return ok(
        json -> {
          json.gen().writeStartArray();
          for (String v : values) {
            json.gen().writeString(v);
          }
          json.gen().writeEndArray();
        });
  }

  /** Grafana probes this to learn the Prometheus flavour; open like Prometheus' own. */
  @GET
  @Path("status/buildinfo")
  public Map<String, Object> buildInfo() {
    return Map.of(
        "status",
        "success",
        "data",
        Map.of(
            "version", "2.42.0",
            "revision", "meshlens",
            "branch", "main",
            "buildUser", "meshlens",
            "buildDate", "",
            "goVersion", "n/a"));
  }

  /**
   * Evaluates a query where it costs least. The query endpoints are non-blocking: a small query
   * ({@link PromqlEngine#isSmall}, judged from the store's postings without reading samples) is
   * answered on the I/O thread that received it, because handing it to a worker thread and the
   * response back costs two thread wake-ups, which on a busy machine took longer than the query
   * (vector(1): 2.9-3.5 ms through a worker, 1.0-2.1 ms without, at load average 14 on 2 cores).
   * Anything larger runs on a worker thread so that the I/O thread never waits on it. Access
   * control and parameter checks have already run on the I/O thread; the answer is the same either
   * way.
   */
  private Uni<Response> answer(
      Scope scope, String query, long start, long end, long step, Supplier<Response> evaluate) {
    if (engine.isSmall(
        query,
        start,
        end,
        step,
        m -> store.seriesUpperBound(scope, m),
        store::labelValuesScanned)) {
      return Uni.createFrom().item(evaluate.get());
    }
    return Uni.createFrom().item(evaluate).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
  }

  private static String nonNull(String q) {
    return q == null ? "" : q;
  }

  private interface Evaluation {
    QueryResult run();
  }

  private static QueryResult run(Evaluation e) {
    try {
      return e.run();
    } catch (PromqlException ex) {
      throw new ApiError(ex.errorType(), ApiError.statusOf(ex.errorType()), ex.getMessage());
    }
  }

  private static Response ok(QueryResult result) {
    try (PromJson json = new PromJson()) {
      json.beginSuccess();
      writeData(json, result);
      json.endSuccess(result.warnings());
      return Response.ok(json.finish(), MediaType.APPLICATION_JSON).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeData(PromJson json, QueryResult result) throws IOException {
    var g = json.gen();
    g.writeStartObject();
    if (result instanceof QueryResult.Scalar s) {
      g.writeStringField("resultType", "scalar");
      g.writeFieldName("result");
      json.scalar(s.timestampMs(), s.value());
    } else if (result instanceof QueryResult.StringResult s) {
      g.writeStringField("resultType", "string");
      g.writeFieldName("result");
      g.writeStartArray();
      g.writeNumber(PrometheusJsonFormat.scalarTimestamp(s.timestampMs()));
      g.writeString(s.value());
      g.writeEndArray();
    } else if (result instanceof QueryResult.Vector v) {
      g.writeStringField("resultType", "vector");
      g.writeArrayFieldStart("result");
      for (QueryResult.Sample sample : v.samples()) {
        g.writeStartObject();
        g.writeFieldName("metric");
        json.labels(sample.labels());
        g.writeFieldName("value");
        json.point(sample.timestampMs(), sample.value());
        g.writeEndObject();
      }
      g.writeEndArray();
    } else if (result instanceof QueryResult.Matrix m) {
      g.writeStringField("resultType", "matrix");
      g.writeArrayFieldStart("result");
      for (QueryResult.Series series : m.series()) {
        g.writeStartObject();
        g.writeFieldName("metric");
        json.labels(series.labels());
        g.writeArrayFieldStart("values");
        long[] ts = series.timestamps();
        double[] vs = series.values();
        for (int i = 0; i < ts.length; i++) {
          json.point(ts[i], vs[i]);
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
    } else {
      throw new IllegalStateException("unknown result type " + result.getClass());
    }
    g.writeEndObject();
  }
}
