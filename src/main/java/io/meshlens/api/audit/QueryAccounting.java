package io.meshlens.api.audit;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Data queries and denials per API, for {@code /metrics}: {@code
 * meshlens_queries_total{api,tenant,status}} and {@code meshlens_query_denials_total{api,reason}}.
 *
 * <p>Bounded label values: {@code api} is one of the APIs, {@code status} an HTTP status Meshlens
 * answers with, {@code reason} a {@link Denial}. {@code tenant} is a tenant of the query's scope
 * only when the tenants file knows it: {@code *} for an SRE's unnarrowed scope, {@code ""} when no
 * scope was granted (401, 403) and {@code ?} for a name the tenants file does not define (an SRE
 * may narrow to any name); so no header value ever becomes a label value. A query over several
 * tenants counts once for each.
 */
public final class QueryAccounting implements MultiCollector {

  /** The {@code tenant} of a query over the whole mesh. */
  public static final String EVERY_TENANT = "*";

  /** The {@code tenant} of a query refused before it had a scope. */
  public static final String NO_TENANT = "";

  /** The {@code tenant} of a scope naming a tenant the tenants file does not define. */
  public static final String UNKNOWN_TENANT = "?";

  private record QueryKey(String api, String tenant, int status) {}

  private record DenialKey(String api, Denial reason) {}

  private final Predicate<String> knownTenant;
  private final ConcurrentHashMap<QueryKey, LongAdder> queries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<DenialKey, LongAdder> denials = new ConcurrentHashMap<>();

  /**
   * @param knownTenant whether a name is a tenant of the tenants file (or {@code platform}, {@code
   *     unassigned})
   */
  public QueryAccounting(Predicate<String> knownTenant) {
    this.knownTenant = Objects.requireNonNull(knownTenant, "knownTenant");
  }

  /**
   * Counts one answered or refused data query.
   *
   * @param tenants the scope's tenants, {@code null} for the whole mesh, empty when none was
   *     granted
   * @param denial why it was refused, {@code null} when it was not
   */
  public void record(String api, Set<String> tenants, int status, Denial denial) {
    Objects.requireNonNull(api, "api");
    if (tenants == null) {
      count(new QueryKey(api, EVERY_TENANT, status));
    } else if (tenants.isEmpty()) {
      count(new QueryKey(api, NO_TENANT, status));
    } else {
      for (String t : tenants) {
        count(new QueryKey(api, knownTenant.test(t) ? t : UNKNOWN_TENANT, status));
      }
    }
    if (denial != null) {
      denials.computeIfAbsent(new DenialKey(api, denial), k -> new LongAdder()).increment();
    }
  }

  private void count(QueryKey key) {
    queries.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  @Override
  public MetricSnapshots collect() {
    CounterSnapshot.Builder q =
        CounterSnapshot.builder()
            .name("meshlens_queries")
            .help("Data queries by API, tenant of the scope and HTTP status.");
    queries.forEach(
        (k, v) ->
            q.dataPoint(
                CounterDataPointSnapshot.builder()
                    .value(v.sum())
                    .labels(
                        Labels.of(
                            "api",
                            k.api(),
                            "status",
                            Integer.toString(k.status()),
                            "tenant",
                            k.tenant()))
                    .build()));
    CounterSnapshot.Builder d =
        CounterSnapshot.builder()
            .name("meshlens_query_denials")
            .help("Data queries refused, by API and reason.");
    denials.forEach(
        (k, v) ->
            d.dataPoint(
                CounterDataPointSnapshot.builder()
                    .value(v.sum())
                    .labels(Labels.of("api", k.api(), "reason", k.reason().label()))
                    .build()));
    return MetricSnapshots.of(q.build(), d.build());
  }
}
