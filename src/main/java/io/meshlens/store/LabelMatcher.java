package io.meshlens.store;

import java.util.Objects;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One PromQL label matcher: {@code name="v"}, {@code name!="v"}, {@code name=~"re"}, {@code
 * name!~"re"}. Regular expressions are fully anchored, as in Prometheus. An absent label matches as
 * the empty string.
 */
public record LabelMatcher(String name, Type type, String value, Pattern pattern) {

  /** The four matcher operators. */
  public enum Type {
    EQUAL("="),
    NOT_EQUAL("!="),
    REGEX("=~"),
    NOT_REGEX("!~");

    private final String op;

    Type(String op) {
      this.op = op;
    }

    public String op() {
      return op;
    }
  }

  public LabelMatcher {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(value, "value");
  }

  /**
   * Builds a matcher, compiling regular expressions anchored at both ends.
   *
   * @throws IllegalArgumentException when the regular expression does not compile
   */
  public static LabelMatcher of(String name, Type type, String value) {
    Pattern p = null;
    if (type == Type.REGEX || type == Type.NOT_REGEX) {
      try {
        p = Pattern.compile("^(?:" + value + ")$", Pattern.DOTALL);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(
            "invalid regular expression \"" + value + "\": " + e.getDescription(), e);
      }
    }
    return new LabelMatcher(name, type, value, p);
  }

  public static LabelMatcher equal(String name, String value) {
    return of(name, Type.EQUAL, value);
  }

  /** Whether a label value (empty string when the label is absent) satisfies this matcher. */
  public boolean matches(String labelValue) {
    String v = labelValue == null ? "" : labelValue;
    return switch (type) {
      case EQUAL -> value.equals(v);
      case NOT_EQUAL -> !value.equals(v);
      case REGEX -> pattern.matcher(v).matches();
      case NOT_REGEX -> !pattern.matcher(v).matches();
    };
  }

  /** Whether this matcher accepts the empty string (and so series lacking the label). */
  public boolean matchesEmpty() {
    return matches("");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelMatcher m
        && name.equals(m.name)
        && type == m.type
        && value.equals(m.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, value);
  }

  @Override
  public String toString() {
    return name + type.op() + "\"" + value + "\"";
  }
}
