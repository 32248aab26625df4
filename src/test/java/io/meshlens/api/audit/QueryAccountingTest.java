package io.meshlens.api.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.access.AccessDeniedException;
import io.meshlens.access.AccessDeniedException.Kind;
import io.meshlens.api.ApiError;
import io.meshlens.query.logql.LogqlException;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QueryAccountingTest {

  private final QueryAccounting accounting =
      new QueryAccounting(Set.of("shop", "payments", "platform", "unassigned")::contains);

  private String text() throws IOException {
    MetricSnapshots snapshots = accounting.collect();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.builder().build().write(out, snapshots);
    return out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void countsEachTenantOfTheScopeAndTheWholeMeshAsStar() throws IOException {
    accounting.record("prometheus", Set.of("shop"), 200, null);
    accounting.record("prometheus", Set.of("shop", "payments"), 200, null);
    accounting.record("prometheus", null, 200, null);
    accounting.record("jaeger", Set.of("shop"), 404, null);
    assertThat(text())
        .contains("meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"shop\"} 2.0")
        .contains(
            "meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"payments\"} 1.0")
        .contains("meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"*\"} 1.0")
        .contains("meshlens_queries_total{api=\"jaeger\",status=\"404\",tenant=\"shop\"} 1.0")
        .doesNotContain("meshlens_query_denials_total{");
  }

  @Test
  void namesOutsideTheTenantsFileNeverBecomeLabelValues() throws IOException {
    accounting.record("prometheus", Set.of("made-up-by-a-caller"), 200, null);
    accounting.record("loki", Set.of(), 403, Denial.FORBIDDEN);
    accounting.record("loki", Set.of(), 401, Denial.UNAUTHENTICATED);
    String text = text();
    assertThat(text)
        .doesNotContain("made-up-by-a-caller")
        .contains("meshlens_queries_total{api=\"prometheus\",status=\"200\",tenant=\"?\"} 1.0")
        .contains("meshlens_queries_total{api=\"loki\",status=\"403\",tenant=\"\"} 1.0")
        .contains("meshlens_query_denials_total{api=\"loki\",reason=\"forbidden\"} 1.0")
        .contains("meshlens_query_denials_total{api=\"loki\",reason=\"unauthenticated\"} 1.0");
  }

  @Test
  void denialReasonsFollowTheFailure() {
    assertThat(Denial.of(401, new AccessDeniedException(Kind.UNAUTHENTICATED, "unknown token")))
        .contains(Denial.UNAUTHENTICATED);
    assertThat(Denial.of(403, new AccessDeniedException(Kind.FORBIDDEN, "tenant 'x'")))
        .contains(Denial.FORBIDDEN);
    assertThat(Denial.of(400, ApiError.badData("1:5: parse error: unexpected end of input")))
        .contains(Denial.BAD_DATA);
    assertThat(
            Denial.of(
                400,
                ApiError.badData(
                    "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing"
                        + " the query resolution (?step=XX)")))
        .contains(Denial.LIMIT);
    assertThat(
            Denial.of(
                422,
                new ApiError(
                    "execution",
                    422,
                    "query processing would load too many samples into memory in query"
                        + " execution")))
        .contains(Denial.LIMIT);
    assertThat(
            Denial.of(
                503, new ApiError("timeout", 503, "query timed out in expression evaluation")))
        .contains(Denial.LIMIT);
    assertThat(Denial.of(422, new ApiError("execution", 422, "invalid smoothing factor")))
        .contains(Denial.EXECUTION);
    assertThat(
            Denial.of(
                400,
                new LogqlException(
                    "max entries limit per query exceeded, limit > max_entries_limit (9 > 5)")))
        .contains(Denial.LIMIT);
    assertThat(Denial.of(200, null)).isEmpty();
    assertThat(Denial.of(404, null)).isEmpty();
    assertThat(Denial.of(500, new IllegalStateException("disk on fire"))).isEmpty();
  }

  @Test
  void accessLogLineHasTheFieldsQuotedWhereNeededAndCannotBeSplit() {
    assertThat(
            AccessLogLine.format(
                "shop-team",
                Set.of("shop", "payments"),
                "prometheus",
                "GET /api/v1/query",
                200,
                4,
                null))
        .isEqualTo(
            "subject=shop-team tenants=payments|shop api=prometheus endpoint=\"GET /api/v1/query\""
                + " status=200 duration_ms=4");
    assertThat(
            AccessLogLine.format(
                null, Set.of(), "loki", "GET /loki/api/v1/labels", 401, 0, Denial.UNAUTHENTICATED))
        .isEqualTo(
            "subject=- tenants=- api=loki endpoint=\"GET /loki/api/v1/labels\" status=401"
                + " duration_ms=0 reason=unauthenticated");
    assertThat(
            AccessLogLine.format(
                "eve\" admin=\"yes\nsubject=root",
                null,
                "jaeger",
                "GET /api/services",
                200,
                1,
                null))
        .isEqualTo(
            "subject=\"eve\\\" admin=\\\"yes\\u000asubject=root\" tenants=* api=jaeger"
                + " endpoint=\"GET /api/services\" status=200 duration_ms=1");
  }

  @Test
  void apiNameComesFromTheResourceClass() {
    assertThat(QueryAudit.api(io.meshlens.api.PrometheusApiResource.class)).isEqualTo("prometheus");
    assertThat(QueryAudit.api(io.meshlens.api.jaeger.JaegerApiResource.class)).isEqualTo("jaeger");
    assertThat(QueryAudit.api(io.meshlens.api.loki.LokiApiResource.class)).isEqualTo("loki");
  }
}
