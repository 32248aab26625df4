package io.meshlens.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.query.promql.EngineSettings;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.QueryResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueryWarmUpTest {

  @Test
  void everyWarmUpQueryAnswersWithSeriesAsInstantAndRangeQuery() {
    List<QueryResult> results = new ArrayList<>();
    int n =
        QueryWarmUp.run(new PromqlEngine(EngineSettings.defaults()), results::add, 1, () -> false);

    assertThat(n).isEqualTo(2 * QueryWarmUp.QUERIES.size());
    assertThat(results).hasSize(n);
    for (int i = 0; i < n; i++) {
      QueryResult r = results.get(i);
      String query = QueryWarmUp.QUERIES.get(i / 2);
      if (i % 2 == 0) {
        assertThat(r).as(query).isInstanceOf(QueryResult.Vector.class);
        assertThat(((QueryResult.Vector) r).samples()).as(query).isNotEmpty();
      } else {
        assertThat(r).as(query).isInstanceOf(QueryResult.Matrix.class);
        assertThat(((QueryResult.Matrix) r).series()).as(query).isNotEmpty();
        assertThat(((QueryResult.Matrix) r).series().get(0).timestamps()).as(query).hasSize(241);
      }
    }
  }

  @Test
  void stopsWhenAskedTo() {
    List<QueryResult> results = new ArrayList<>();
    int n =
        QueryWarmUp.run(
            new PromqlEngine(EngineSettings.defaults()), results::add, 1_000, () -> true);

    assertThat(n).isZero();
    assertThat(results).isEmpty();
  }
}
