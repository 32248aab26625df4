package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.Evaluator.StepSample;
import io.meshlens.query.promql.Expr.BinaryOp;
import io.meshlens.query.promql.Expr.Cardinality;
import io.meshlens.query.promql.Expr.VectorMatching;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Binary operators between scalars and instant vectors, including vector matching ({@code on},
 * {@code ignoring}, {@code group_left}, {@code group_right}) and its errors, as in Prometheus'
 * {@code VectorBinop}, {@code VectorAnd}, ... The {@code key} of each {@link StepSample} is its
 * match signature.
 */
final class BinaryOps {

  private BinaryOps() {}

  /**
   * The match signature of a series: its {@code on} labels, or all labels but the {@code ignoring}
   * ones and the metric name.
   */
  static Function<Labels, Object> signatureFunction(boolean on, List<String> names) {
    Set<String> set = new HashSet<>(names);
    if (on) {
      return l -> keep(l, set);
    }
    set.add(Labels.METRIC_NAME);
    return l -> drop(l, set);
  }

  static Labels keep(Labels l, Set<String> names) {
    return l.only(names);
  }

  static Labels drop(Labels l, Set<String> names) {
    return l.without(names);
  }

  static double scalarBinop(BinaryOp op, double l, double r) {
    return switch (op) {
      case ADD -> l + r;
      case SUB -> l - r;
      case MUL -> l * r;
      case DIV -> l / r;
      case POW -> GoMath.pow(l, r);
      case MOD -> l % r;
      case EQL -> l == r ? 1 : 0;
      case NEQ -> l != r ? 1 : 0;
      case GTR -> l > r ? 1 : 0;
      case LSS -> l < r ? 1 : 0;
      case GTE -> l >= r ? 1 : 0;
      case LTE -> l <= r ? 1 : 0;
      case ATAN2 -> Math.atan2(l, r);
      default -> throw new IllegalStateException("operator " + op + " not allowed for scalars");
    };
  }

  /** The value of {@code l op r} for vector elements; NaN-free {@code keep} tells comparisons. */
  private static boolean compare(BinaryOp op, double l, double r) {
    return switch (op) {
      case EQL -> l == r;
      case NEQ -> l != r;
      case GTR -> l > r;
      case LSS -> l < r;
      case GTE -> l >= r;
      case LTE -> l <= r;
      default -> true;
    };
  }

  static List<StepSample> and(List<StepSample> lhs, List<StepSample> rhs) {
    List<StepSample> out = new ArrayList<>();
    if (lhs.isEmpty() || rhs.isEmpty()) {
      return out;
    }
    Set<Object> right = new HashSet<>();
    for (StepSample s : rhs) {
      right.add(s.key());
    }
    for (StepSample s : lhs) {
      if (right.contains(s.key())) {
        out.add(s);
      }
    }
    return out;
  }

  static List<StepSample> or(List<StepSample> lhs, List<StepSample> rhs) {
    List<StepSample> out = new ArrayList<>(lhs.size() + rhs.size());
    if (lhs.isEmpty()) {
      out.addAll(rhs);
      return out;
    } else if (rhs.isEmpty()) {
      out.addAll(lhs);
      return out;
    }
    Set<Object> left = new HashSet<>();
    for (StepSample s : lhs) {
      left.add(s.key());
      out.add(s);
    }
    for (StepSample s : rhs) {
      if (!left.contains(s.key())) {
        out.add(s);
      }
    }
    return out;
  }

  static List<StepSample> unless(List<StepSample> lhs, List<StepSample> rhs) {
    List<StepSample> out = new ArrayList<>(lhs.size());
    if (lhs.isEmpty() || rhs.isEmpty()) {
      out.addAll(lhs);
      return out;
    }
    Set<Object> right = new HashSet<>();
    for (StepSample s : rhs) {
      right.add(s.key());
    }
    for (StepSample s : lhs) {
      if (!right.contains(s.key())) {
        out.add(s);
      }
    }
    return out;
  }

  /** Vector-to-vector arithmetic and comparison; one instance per expression node. */
  static final class VectorBinop {
    private final BinaryOp op;
    private final VectorMatching matching;
    private final boolean returnBool;
    private final Set<String> matchingSet;

    /** Result labels by (left labels, right labels): the same pairs recur at every step. */
    private final Map<List<Labels>, Labels> resultLabels = new HashMap<>();

    VectorBinop(BinaryOp op, VectorMatching matching, boolean returnBool) {
      this.op = op;
      this.matching = matching;
      this.returnBool = returnBool;
      this.matchingSet = new HashSet<>(matching.matchingLabels());
    }

    List<StepSample> apply(List<StepSample> lhs, List<StepSample> rhs) {
      List<StepSample> out = new ArrayList<>();
      if (lhs.isEmpty() || rhs.isEmpty()) {
        return out;
      }
      Cardinality card = matching.card();
      // For one-to-many, swap sides so the loop below always sees the "one" side on the right.
      if (card == Cardinality.ONE_TO_MANY) {
        List<StepSample> tmp = lhs;
        lhs = rhs;
        rhs = tmp;
      }
      Map<Object, StepSample> rightSigs = new HashMap<>();
      for (StepSample rs : rhs) {
        StepSample dup = rightSigs.putIfAbsent(rs.key(), rs);
        if (dup != null) {
          String oneSide = card == Cardinality.ONE_TO_MANY ? "left" : "right";
          throw PromqlException.execution(
              "found duplicate series for the match group "
                  + GoText.labels(matchLabels(rs.labels()))
                  + " on the "
                  + oneSide
                  + " hand-side of the operation: ["
                  + GoText.labels(rs.labels())
                  + ", "
                  + GoText.labels(dup.labels())
                  + "];many-to-many matching not allowed: matching labels must be unique on one"
                  + " side");
        }
      }
      Map<Object, Set<Labels>> matchedSigs = new HashMap<>();
      for (StepSample ls : lhs) {
        StepSample rs = rightSigs.get(ls.key());
        if (rs == null) {
          continue;
        }
        double vl = ls.v();
        double vr = rs.v();
        if (card == Cardinality.ONE_TO_MANY) {
          double tmp = vl;
          vl = vr;
          vr = tmp;
        }
        double value;
        boolean keep;
        if (op.isComparison()) {
          value = vl;
          keep = compare(op, vl, vr);
        } else {
          value = scalarBinop(op, vl, vr);
          keep = true;
        }
        if (returnBool) {
          value = keep ? 1 : 0;
        } else if (!keep) {
          continue;
        }
        Labels metric = resultMetric(ls.labels(), rs.labels());
        if (returnBool) {
          metric = metric.withoutMetricName();
        }
        boolean exists = matchedSigs.containsKey(ls.key());
        if (card == Cardinality.ONE_TO_ONE) {
          if (exists) {
            throw PromqlException.execution(
                "multiple matches for labels: many-to-one matching must be explicit"
                    + " (group_left/group_right)");
          }
          matchedSigs.put(ls.key(), null);
        } else {
          Set<Labels> inserted = matchedSigs.computeIfAbsent(ls.key(), k -> new HashSet<>());
          if (!inserted.add(metric)) {
            throw PromqlException.execution(
                "multiple matches for labels: grouping labels must ensure unique matches");
          }
        }
        out.add(new StepSample(metric, ls.t(), value));
      }
      return out;
    }

    /** The labels the duplicate-series error shows as the match group. */
    private Labels matchLabels(Labels l) {
      Labels.Builder b = Labels.builder();
      for (int i = 0; i < l.size(); i++) {
        boolean listed = matchingSet.contains(l.name(i));
        if (listed == matching.on() && (matching.on() || !l.name(i).equals(Labels.METRIC_NAME))) {
          b.put(l.name(i), l.value(i));
        }
      }
      return b.build();
    }

    private Labels resultMetric(Labels lhs, Labels rhs) {
      List<Labels> cacheKey = List.of(lhs, rhs);
      Labels cached = resultLabels.get(cacheKey);
      if (cached != null) {
        return cached;
      }
      Labels.Builder b = lhs.toBuilder();
      if (op.dropsMetricName()) {
        b.remove(Labels.METRIC_NAME);
      }
      if (matching.card() == Cardinality.ONE_TO_ONE) {
        if (matching.on()) {
          Set<String> keepNames = new TreeSet<>(matchingSet);
          for (String n : lhs.names()) {
            if (!keepNames.contains(n)) {
              b.remove(n);
            }
          }
        } else {
          for (String n : matching.matchingLabels()) {
            b.remove(n);
          }
        }
      }
      for (String ln : matching.include()) {
        // Labels named in group_x(...) come from the "one" side.
        String v = rhs.get(ln);
        if (v != null && !v.isEmpty()) {
          b.put(ln, v);
        } else {
          b.remove(ln);
        }
      }
      Labels result = b.build();
      if (resultLabels.size() < 100_000) {
        resultLabels.put(cacheKey, result);
      }
      return result;
    }
  }

  /** A vector against a scalar; {@code scalarLeft} when the scalar is the left operand. */
  static List<StepSample> vectorScalar(
      BinaryOp op, List<StepSample> vec, double scalar, boolean scalarLeft, boolean returnBool) {
    List<StepSample> out = new ArrayList<>(vec.size());
    for (StepSample s : vec) {
      double lv = scalarLeft ? scalar : s.v();
      double rv = scalarLeft ? s.v() : scalar;
      double value;
      boolean keep;
      if (op.isComparison()) {
        keep = compare(op, lv, rv);
        // A comparison keeps the vector element's value, whichever side it is on.
        value = s.v();
      } else {
        value = scalarBinop(op, lv, rv);
        keep = true;
      }
      if (returnBool) {
        value = keep ? 1 : 0;
        keep = true;
      }
      if (keep) {
        Labels l = s.labels();
        if (op.dropsMetricName() || returnBool) {
          l = l.withoutMetricName();
        }
        out.add(new StepSample(l, s.t(), value));
      }
    }
    return out;
  }
}
