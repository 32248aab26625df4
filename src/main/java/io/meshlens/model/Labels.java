package io.meshlens.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * An immutable, sorted set of label name/value pairs: the identity of a series.
 *
 * <p>Names are kept sorted so that two label sets with the same pairs are {@code equals} and hash
 * alike regardless of insertion order; empty values are dropped, as Prometheus does ("a label with
 * an empty value is the same as no label").
 *
 * <pre>{@code
 * Labels l = Labels.builder().put("__name__", "up").put("job", "istiod").build();
 * l.get("job"); // "istiod"
 * }</pre>
 */
public final class Labels implements Comparable<Labels> {

  /** The reserved label holding the metric name. */
  public static final String METRIC_NAME = "__name__";

  public static final Labels EMPTY = new Labels(new String[0]);

  private static final Set<String> METRIC_NAME_ONLY = Set.of(METRIC_NAME);

  /** name0, value0, name1, value1, ... sorted by name. */
  private final String[] pairs;

  private final int hash;

  private Labels(String[] pairs) {
    this.pairs = pairs;
    this.hash = Arrays.hashCode(pairs);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Labels from alternating names and values, e.g. {@code Labels.of("__name__", "up", "job", "x")}.
   */
  public static Labels of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("odd number of names and values");
    }
    Builder b = builder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.put(namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  public static Labels fromMap(Map<String, String> map) {
    Builder b = builder();
    map.forEach(b::put);
    return b.build();
  }

  /** The value of {@code name}, or {@code null} when the label is absent. */
  public String get(String name) {
    int lo = 0;
    int hi = pairs.length / 2 - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = pairs[mid * 2].compareTo(name);
      if (c == 0) {
        return pairs[mid * 2 + 1];
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /** The value of {@code name}, or {@code ""} when absent (PromQL matcher semantics). */
  public String getOrEmpty(String name) {
    String v = get(name);
    return v == null ? "" : v;
  }

  public String metricName() {
    return get(METRIC_NAME);
  }

  public int size() {
    return pairs.length / 2;
  }

  public String name(int i) {
    return pairs[i * 2];
  }

  public String value(int i) {
    return pairs[i * 2 + 1];
  }

  public void forEach(BiConsumer<String, String> action) {
    for (int i = 0; i < pairs.length; i += 2) {
      action.accept(pairs[i], pairs[i + 1]);
    }
  }

  public Map<String, String> toMap() {
    Map<String, String> m = new TreeMap<>();
    forEach(m::put);
    return m;
  }

  public List<String> names() {
    List<String> names = new ArrayList<>(size());
    for (int i = 0; i < pairs.length; i += 2) {
      names.add(pairs[i]);
    }
    return names;
  }

  /** A builder initialised with these labels, to add, replace or remove some. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.pairs = Arrays.copyOf(pairs, Math.max(32, pairs.length * 2));
    b.size = pairs.length / 2;
    return b;
  }

  /** These labels without the names in {@code names} ({@code this} when none is present). */
  public Labels without(Set<String> names) {
    return filter(names, false);
  }

  /** Only the labels whose names are in {@code names}. */
  public Labels only(Set<String> names) {
    return filter(names, true);
  }

  /** One pass over the sorted pairs, which stay sorted: no re-insertion through a builder. */
  private Labels filter(Set<String> names, boolean keep) {
    String[] out = null;
    int n = 0;
    for (int i = 0; i < pairs.length; i += 2) {
      if (names.contains(pairs[i]) == keep) {
        if (out != null) {
          out[n++] = pairs[i];
          out[n++] = pairs[i + 1];
        }
      } else if (out == null) {
        out = new String[pairs.length];
        System.arraycopy(pairs, 0, out, 0, i);
        n = i;
      }
    }
    if (out == null) {
      return this;
    }
    return n == 0 ? EMPTY : new Labels(Arrays.copyOf(out, n));
  }

  /** These labels without {@code __name__}. */
  public Labels withoutMetricName() {
    return without(METRIC_NAME_ONLY);
  }

  @Override
  public boolean equals(Object o) {
    return this == o
        || (o instanceof Labels other && hash == other.hash && Arrays.equals(pairs, other.pairs));
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public int compareTo(Labels o) {
    int n = Math.min(pairs.length, o.pairs.length);
    for (int i = 0; i < n; i++) {
      int c = pairs[i].compareTo(o.pairs[i]);
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(pairs.length, o.pairs.length);
  }

  /** Prometheus' text style: {@code up{job="x"}}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    String name = metricName();
    if (name != null) {
      sb.append(name);
    }
    sb.append('{');
    boolean first = true;
    for (int i = 0; i < pairs.length; i += 2) {
      if (pairs[i].equals(METRIC_NAME)) {
        continue;
      }
      if (!first) {
        sb.append(", ");
      }
      first = false;
      sb.append(pairs[i])
          .append("=\"")
          .append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\""))
          .append('"');
    }
    return sb.append('}').toString();
  }

  /**
   * Collects pairs; later values for the same name replace earlier ones. Not thread-safe.
   *
   * <p>Kept as one sorted name/value array with insertion by binary search rather than a {@code
   * TreeMap}: the ingest path builds a label set for every sample (30-odd labels for Istio edge
   * metrics), and an array means no per-entry objects and a {@link #build()} that is one copy.
   */
  public static final class Builder {
    private String[] pairs = new String[32];
    private int size;

    private Builder() {}

    /** Index of {@code name} among the names, or {@code -(insertion point) - 1}. */
    private int find(String name) {
      int lo = 0;
      int hi = size - 1;
      // Attributes often arrive in name order: then the new name goes last, and one comparison
      // says so.
      if (hi >= 0) {
        int c = pairs[hi * 2].compareTo(name);
        if (c < 0) {
          return -(size + 1);
        } else if (c == 0) {
          return hi;
        }
        hi--;
      }
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = pairs[mid * 2].compareTo(name);
        if (c == 0) {
          return mid;
        } else if (c < 0) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return -(lo + 1);
    }

    public Builder put(String name, String value) {
      Objects.requireNonNull(name, "name");
      if (value == null || value.isEmpty()) {
        return remove(name);
      }
      int i = find(name);
      if (i >= 0) {
        pairs[i * 2 + 1] = value;
        return this;
      }
      int at = -(i + 1);
      if ((size + 1) * 2 > pairs.length) {
        pairs = Arrays.copyOf(pairs, pairs.length * 2);
      }
      System.arraycopy(pairs, at * 2, pairs, at * 2 + 2, (size - at) * 2);
      pairs[at * 2] = name;
      pairs[at * 2 + 1] = value;
      size++;
      return this;
    }

    public Builder remove(String name) {
      int i = find(name);
      if (i >= 0) {
        System.arraycopy(pairs, i * 2 + 2, pairs, i * 2, (size - i - 1) * 2);
        size--;
        pairs[size * 2] = null;
        pairs[size * 2 + 1] = null;
      }
      return this;
    }

    public boolean has(String name) {
      return find(name) >= 0;
    }

    public String get(String name) {
      int i = find(name);
      return i >= 0 ? pairs[i * 2 + 1] : null;
    }

    public Labels build() {
      return new Labels(Arrays.copyOf(pairs, size * 2));
    }
  }
}
