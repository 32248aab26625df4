package io.meshlens.api;

import io.meshlens.access.AccessDeniedException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure of the query API leaves in the API's own error format, never as a stack trace. 401
 * answers carry {@code WWW-Authenticate} as RFC 6750 asks.
 */
final class ApiExceptionMappers {

  private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

  @ServerExceptionMapper
  Response accessDenied(AccessDeniedException e) {
    boolean unauthenticated = e.kind() == AccessDeniedException.Kind.UNAUTHENTICATED;
    Response.ResponseBuilder r =
        Response.status(unauthenticated ? 401 : 403)
            .type(MediaType.APPLICATION_JSON)
            .entity(body(unauthenticated ? "unauthorized" : "forbidden", e.getMessage()));
    if (unauthenticated) {
      r.header(
          "WWW-Authenticate",
          "Bearer realm=\"meshlens\""
              + (e.getMessage().equals("missing bearer token") ? "" : ", error=\"invalid_token\""));
    }
    return r.build();
  }

  @ServerExceptionMapper
  Response apiError(ApiError e) {
    return Response.status(e.httpStatus())
        .type(MediaType.APPLICATION_JSON)
        .entity(body(e.errorType(), e.getMessage()))
        .build();
  }

  static Map<String, Object> body(String errorType, String message) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", "error");
    m.put("errorType", errorType);
    m.put("error", message);
    return m;
  }

  @ServerExceptionMapper
  Response unexpected(RuntimeException e) {
    if (e instanceof jakarta.ws.rs.WebApplicationException w) {
      return Response.status(w.getResponse().getStatus())
          .type(MediaType.APPLICATION_JSON)
          .entity(
              body(w.getResponse().getStatus() == 404 ? "not_found" : "bad_data", w.getMessage()))
          .build();
    }
    LOG.error("query API failure", e);
    return Response.status(500)
        .type(MediaType.APPLICATION_JSON)
        .entity(body("internal", "internal error: " + e.getClass().getSimpleName()))
        .build();
  }
}
