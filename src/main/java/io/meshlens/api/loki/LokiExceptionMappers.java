package io.meshlens.api.loki;

import io.meshlens.query.logql.LogqlException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * A refused LogQL query leaves as Loki 2.9 answers it ({@code WriteError}): HTTP 400 with the error
 * text as a {@code text/plain} body. 401 and 403 stay as on every other endpoint.
 */
final class LokiExceptionMappers {

  @ServerExceptionMapper
  Response badQuery(LogqlException e) {
    return Response.status(400)
        .type("text/plain; charset=utf-8")
        .header("X-Content-Type-Options", "nosniff")
        .entity(e.getMessage())
        .build();
  }
}
