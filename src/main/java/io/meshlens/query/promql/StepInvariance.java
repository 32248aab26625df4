package io.meshlens.query.promql;

import io.meshlens.query.promql.Expr.AggregateExpr;
import io.meshlens.query.promql.Expr.BinaryExpr;
import io.meshlens.query.promql.Expr.Call;
import io.meshlens.query.promql.Expr.MatrixSelector;
import io.meshlens.query.promql.Expr.NumberLiteral;
import io.meshlens.query.promql.Expr.ParenExpr;
import io.meshlens.query.promql.Expr.StringLiteral;
import io.meshlens.query.promql.Expr.SubqueryExpr;
import io.meshlens.query.promql.Expr.UnaryExpr;
import io.meshlens.query.promql.Expr.VectorSelector;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Finds the parts of a query whose value is the same at every step (everything under {@code @},
 * literals, functions of those), which Prometheus evaluates once per range query instead of once
 * per step ({@code PreprocessExpr} in {@code promql/engine.go}). The rules are Prometheus' own,
 * quirks included (an aggregation's parameter does not count), because they also decide how many
 * samples a query holds.
 */
final class StepInvariance {

  /** Functions whose result depends on the evaluation time even for constant arguments. */
  private static final Set<String> AT_MODIFIER_UNSAFE =
      Set.of(
          "days_in_month",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "hour",
          "minute",
          "month",
          "year",
          "predict_linear",
          "time",
          "timestamp");

  private StepInvariance() {}

  /** The largest step-invariant subexpressions (by identity), to evaluate once each. */
  static Set<Expr> roots(Expr root) {
    Set<Expr> roots = Collections.newSetFromMap(new IdentityHashMap<>());
    if (mark(root, roots)) {
      roots.add(root);
    }
    return roots;
  }

  /** Whether {@code e} is step invariant; invariant children of variant nodes join roots. */
  private static boolean mark(Expr e, Set<Expr> roots) {
    if (e instanceof VectorSelector vs) {
      return vs.atMs() != null;
    } else if (e instanceof AggregateExpr a) {
      return mark(a.expr(), roots);
    } else if (e instanceof BinaryExpr b) {
      boolean l = mark(b.lhs(), roots);
      boolean r = mark(b.rhs(), roots);
      if (l && r) {
        return true;
      }
      if (l) {
        roots.add(b.lhs());
      }
      if (r) {
        roots.add(b.rhs());
      }
      return false;
    } else if (e instanceof Call c) {
      boolean invariant = !AT_MODIFIER_UNSAFE.contains(c.function().name());
      boolean[] each = new boolean[c.args().size()];
      for (int i = 0; i < each.length; i++) {
        each[i] = mark(c.args().get(i), roots);
        invariant &= each[i];
      }
      if (invariant) {
        return true;
      }
      for (int i = 0; i < each.length; i++) {
        if (each[i]) {
          roots.add(c.args().get(i));
        }
      }
      return false;
    } else if (e instanceof MatrixSelector ms) {
      return mark(ms.selector(), roots);
    } else if (e instanceof SubqueryExpr sq) {
      // The inside of a subquery is evaluated once per subquery when it is invariant.
      if (mark(sq.expr(), roots)) {
        roots.add(sq.expr());
      }
      return sq.atMs() != null;
    } else if (e instanceof ParenExpr p) {
      return mark(p.expr(), roots);
    } else if (e instanceof UnaryExpr u) {
      return mark(u.expr(), roots);
    }
    return e instanceof StringLiteral || e instanceof NumberLiteral;
  }
}
