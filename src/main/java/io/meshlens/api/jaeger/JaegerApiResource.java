package io.meshlens.api.jaeger;

import io.meshlens.access.AccessControl;
import io.meshlens.access.AccessDeniedException;
import io.meshlens.access.ScopeResolver;
import io.meshlens.api.jaeger.JaegerJson.Operation;
import io.meshlens.config.MeshlensConfig;
import io.meshlens.ingest.IngestService;
import io.meshlens.store.Scope;
import io.meshlens.store.spans.SpanStore;
import io.meshlens.store.spans.StoredSpan;
import io.meshlens.store.spans.TraceSummary;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Jaeger's query HTTP API ({@code /api/services}, {@code /api/services/{service}/operations},
 * {@code /api/operations}, {@code /api/traces}, {@code /api/traces/{traceId}}) as Grafana's Jaeger
 * data source and the Jaeger UI call it, over the span store. Every call resolves the caller's
 * {@link Scope} first and every store read takes it: services, operations and search hits come only
 * from spans in scope, and a trace is found only when at least one of its spans is in scope; its
 * other spans are redacted by {@link TraceAssembler}. Errors use Jaeger's error shape. See {@code
 * docs/jaeger-api.md}.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class JaegerApiResource {

  private static final Logger LOG = Logger.getLogger(JaegerApiResource.class);

  @Inject AccessControl access;
  @Inject IngestService ingest;
  @Inject MeshlensConfig config;

  @GET
  @Path("services")
  public Response services(
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId)
      throws SQLException {
    Scope scope = access.scope(authorization, orgId);
    return ok(JaegerJson.Response.of(store().services(scope)));
  }

  @GET
  @Path("services/{service}/operations")
  public Response serviceOperations(
      @PathParam("service") String service,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId)
      throws SQLException {
    Scope scope = access.scope(authorization, orgId);
    return ok(JaegerJson.Response.of(store().operations(scope, service)));
  }

  /**
   * Operations with their span kind. The store does not keep operations per kind yet: every kind is
   * {@code ""} and a {@code spanKind} filter is refused rather than ignored.
   */
  @GET
  @Path("operations")
  public Response operations(
      @QueryParam("service") String service,
      @QueryParam("spanKind") String spanKind,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId)
      throws SQLException {
    Scope scope = access.scope(authorization, orgId);
    if (service == null || service.isEmpty()) {
      throw JaegerApiException.badRequest("parameter 'service' is required");
    }
    if (spanKind != null && !spanKind.isEmpty()) {
      throw JaegerApiException.badRequest("parameter 'spanKind' cannot be filtered on yet");
    }
    List<Operation> out = new ArrayList<>();
    for (String name : store().operations(scope, service)) {
      out.add(new Operation(name, ""));
    }
    return ok(JaegerJson.Response.of(out));
  }

  @GET
  @Path("traces")
  public Response search(
      @QueryParam("service") String service,
      @QueryParam("operation") String operation,
      @QueryParam("tags") String tags,
      @QueryParam("tag") List<String> tag,
      @QueryParam("minDuration") String minDuration,
      @QueryParam("maxDuration") String maxDuration,
      @QueryParam("start") String start,
      @QueryParam("end") String end,
      @QueryParam("limit") String limit,
      @QueryParam("lookback") String lookback,
      @QueryParam("traceID") List<String> traceId,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId)
      throws SQLException {
    Scope scope = access.scope(authorization, orgId);
    TraceSearch search;
    try {
      search =
          TraceSearch.parse(
              new TraceSearch.Params(
                  service,
                  operation,
                  tags,
                  tag,
                  minDuration,
                  maxDuration,
                  start,
                  end,
                  limit,
                  lookback,
                  traceId),
              System.currentTimeMillis() * 1000);
    } catch (IllegalArgumentException e) {
      throw JaegerApiException.badRequest(e.getMessage());
    }
    SpanStore store = store();
    TraceAssembler assembler = assembler();
    List<JaegerJson.Trace> traces = new ArrayList<>();
    List<JaegerJson.Error> errors = new ArrayList<>();
    if (!search.traceIds().isEmpty()) {
      for (String id : search.traceIds()) {
        List<StoredSpan> spans = store.trace(scope, id);
        if (spans.isEmpty()) {
          errors.add(new JaegerJson.Error(null, "trace not found", TraceIds.toJaeger(id)));
        } else {
          traces.add(assembler.trace(spans));
        }
      }
    } else if (!search.matchesNothing()) {
      for (TraceSummary hit : store.search(scope, search.query())) {
        // Read whole; empty only if the trace was dropped by retention since the search.
        List<StoredSpan> spans = store.trace(scope, hit.traceId());
        if (!spans.isEmpty()) {
          traces.add(assembler.trace(spans));
        }
      }
    }
    return ok(JaegerJson.Response.of(traces, errors));
  }

  /** Start and end hints ({@code start}, {@code end}) are accepted and not needed. */
  @GET
  @Path("traces/{traceId}")
  public Response trace(
      @PathParam("traceId") String traceId,
      @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
      @HeaderParam(ScopeResolver.SCOPE_HEADER) String orgId)
      throws SQLException {
    Scope scope = access.scope(authorization, orgId);
    String id;
    try {
      id = TraceIds.toStored(traceId);
    } catch (IllegalArgumentException e) {
      throw JaegerApiException.badRequest(e.getMessage());
    }
    List<StoredSpan> spans = store().trace(scope, id);
    if (spans.isEmpty()) {
      // Absent and not visible are the same answer: no trace id leaks across tenants.
      throw JaegerApiException.traceNotFound();
    }
    return ok(JaegerJson.Response.of(List.of(assembler().trace(spans))));
  }

  private SpanStore store() {
    return ingest.spanStore();
  }

  private TraceAssembler assembler() {
    return new TraceAssembler(config.privacy().redactForeignSpans());
  }

  private static Response ok(JaegerJson.Response body) {
    return Response.ok(body, MediaType.APPLICATION_JSON).build();
  }

  private static Response error(int status, String message) {
    return Response.status(status)
        .type(MediaType.APPLICATION_JSON)
        .entity(JaegerJson.Response.error(status, message))
        .build();
  }

  @ServerExceptionMapper
  Response jaegerError(JaegerApiException e) {
    return error(e.status(), e.getMessage());
  }

  /** 401 and 403 in Jaeger's shape; 401 carries {@code WWW-Authenticate} (RFC 6750). */
  @ServerExceptionMapper
  Response accessDenied(AccessDeniedException e) {
    if (e.kind() == AccessDeniedException.Kind.FORBIDDEN) {
      return error(403, e.getMessage());
    }
    return Response.fromResponse(error(401, e.getMessage()))
        .header(
            "WWW-Authenticate",
            "Bearer realm=\"meshlens\""
                + (e.getMessage().equals("missing bearer token")
                    ? ""
                    : ", error=\"invalid_token\""))
        .build();
  }

  @ServerExceptionMapper
  Response storeFailure(SQLException e) {
    LOG.error("span store read failed", e);
    return error(500, "internal error: span store read failed");
  }
}
