package io.meshlens.store;

import java.util.List;

/**
 * The read contract of the metric store that PromQL evaluation, the views and remote replicas use.
 * Every call takes a {@link Scope}: a series is returned only when one of the scope's tenants may
 * see it.
 */
public interface SeriesReader {

  /**
   * Series matching all {@code matchers} that are visible in {@code scope}, each with its samples
   * in {@code [minTimeMs, maxTimeMs]} (inclusive), ordered by labels. Series without a sample in
   * the range are left out.
   */
  List<SeriesData> select(Scope scope, List<LabelMatcher> matchers, long minTimeMs, long maxTimeMs);
}
