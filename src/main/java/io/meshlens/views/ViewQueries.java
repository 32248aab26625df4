package io.meshlens.views;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.PromqlEngine;
import io.meshlens.query.promql.QueryResult;
import io.meshlens.store.Scope;
import io.meshlens.store.SeriesReader;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs a view's PromQL queries for one caller: every query goes through the engine with the
 * caller's {@link Scope}, so a view can only ever read what the caller may read.
 */
final class ViewQueries {

  private final PromqlEngine engine;
  private final SeriesReader reader;
  private final Scope scope;

  ViewQueries(PromqlEngine engine, SeriesReader reader, Scope scope) {
    this.engine = Objects.requireNonNull(engine, "engine");
    this.reader = Objects.requireNonNull(reader, "reader");
    this.scope = Objects.requireNonNull(scope, "scope");
  }

  Scope scope() {
    return scope;
  }

  /** An instant vector at {@code timeMs} (a non-vector result is an empty list). */
  List<QueryResult.Sample> vector(String query, long timeMs) {
    QueryResult r = engine.instantQuery(reader, scope, query, timeMs);
    return r instanceof QueryResult.Vector v ? v.samples() : List.of();
  }

  /** The series of a range query. */
  List<QueryResult.Series> matrix(String query, long startMs, long endMs, long stepMs) {
    QueryResult r = engine.rangeQuery(reader, scope, query, startMs, endMs, stepMs);
    return r instanceof QueryResult.Matrix m ? m.series() : List.of();
  }

  /**
   * A matcher body that keeps series owned ({@code tenant} label) by the scope's tenants, or "" for
   * the SRE scope. Edge series are also visible to the peer's tenant; resource views must count
   * only what the caller's own proxies and pods report.
   */
  String ownedBy() {
    if (scope.isEverything()) {
      return "";
    }
    Set<String> quoted = new TreeSet<>();
    for (String t : scope.tenantSet()) {
      quoted.add(regexLiteral(t));
    }
    return "tenant=~\"" + String.join("|", quoted) + "\"";
  }

  /** {@code s} as a regular expression inside a PromQL double-quoted string. */
  static String regexLiteral(String s) {
    StringBuilder b = new StringBuilder(s.length() + 4);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (".+*?()[]{}|^$\\".indexOf(c) >= 0) {
        b.append("\\\\");
      } else if (c == '"') {
        b.append('\\');
      }
      b.append(c);
    }
    return b.toString();
  }

  /**
   * What a counter grew by over the window ending at the evaluation time: {@code increase} for
   * series that already existed at the window's start, and the whole value for series that started
   * inside it (which {@code increase} would miss: it only sees growth between two samples), e.g.
   * the first {@code 503 UH} series of a failover.
   */
  static String growth(String selector, String window) {
    return "((increase("
        + selector
        + "["
        + window
        + "]) and "
        + selector
        + " offset "
        + window
        + ") or last_over_time("
        + selector
        + "["
        + window
        + "]))";
  }

  /** A PromQL duration in whole milliseconds, e.g. {@code 3600000ms}. */
  static String range(long ms) {
    return String.format(Locale.ROOT, "%dms", Math.max(1, ms));
  }

  static String label(Labels l, String name) {
    String v = l.get(name);
    return v == null ? "" : v;
  }
}
