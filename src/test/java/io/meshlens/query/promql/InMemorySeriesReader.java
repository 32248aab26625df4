package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesData;
import io.meshlens.store.SeriesReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link SeriesReader} over series held in memory, each owned by a tenant, that records every
 * call so tests can check which scope the engine read with.
 */
final class InMemorySeriesReader implements SeriesReader {

  /** One recorded {@code select} call. */
  record Select(Scope scope, List<LabelMatcher> matchers, long minT, long maxT) {}

  private final Map<Labels, String> tenants = new TreeMap<>();
  private final Map<Labels, TreeMap<Long, Double>> samples = new TreeMap<>();
  private final List<Select> calls = Collections.synchronizedList(new ArrayList<>());

  /** Adds (or replaces) one sample of a series owned by {@code tenant}. */
  InMemorySeriesReader add(String tenant, Labels labels, long t, double v) {
    String owner = tenants.putIfAbsent(labels, tenant);
    if (owner != null && !owner.equals(tenant)) {
      throw new IllegalArgumentException(labels + " already belongs to " + owner);
    }
    samples.computeIfAbsent(labels, l -> new TreeMap<>()).put(t, v);
    return this;
  }

  /** Adds samples at {@code start, start+step, ...}; NaN entries are skipped when {@code null}. */
  InMemorySeriesReader addSeries(
      String tenant, Labels labels, long start, long step, Double... values) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        add(tenant, labels, start + i * step, values[i]);
      }
    }
    return this;
  }

  void clear() {
    tenants.clear();
    samples.clear();
    calls.clear();
  }

  List<Select> calls() {
    return List.copyOf(calls);
  }

  @Override
  public List<SeriesData> select(
      Scope scope, List<LabelMatcher> matchers, long minTimeMs, long maxTimeMs) {
    if (scope == null) {
      throw new IllegalArgumentException("no scope");
    }
    calls.add(new Select(scope, List.copyOf(matchers), minTimeMs, maxTimeMs));
    List<SeriesData> out = new ArrayList<>();
    for (Map.Entry<Labels, TreeMap<Long, Double>> e : samples.entrySet()) {
      Labels l = e.getKey();
      if (!scope.allows(tenants.get(l))) {
        continue;
      }
      boolean match = true;
      for (LabelMatcher m : matchers) {
        if (!m.matches(l.get(m.name()))) {
          match = false;
          break;
        }
      }
      if (!match) {
        continue;
      }
      Map<Long, Double> window = e.getValue().subMap(minTimeMs, true, maxTimeMs, true);
      if (window.isEmpty()) {
        continue;
      }
      long[] ts = new long[window.size()];
      double[] vs = new double[window.size()];
      int i = 0;
      for (Map.Entry<Long, Double> s : window.entrySet()) {
        ts[i] = s.getKey();
        vs[i] = s.getValue();
        i++;
      }
      out.add(new SeriesData(l, ts, vs));
    }
    return out;
  }
}
