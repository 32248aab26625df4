package io.meshlens.query.promql;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Compiles a Go RE2 regular expression, as Prometheus 2.42 uses them in label matchers and {@code
 * label_replace}, into a Java {@link Pattern} that matches the same strings in the cases where the
 * two dialects read the same text differently:
 *
 * <ul>
 *   <li>{@code .} matches everything but {@code \n} (Java also stops at {@code \r}, {@code \u0085},
 *       {@code \u2028}, {@code \u2029}): {@link Pattern#UNIX_LINES};
 *   <li>{@code (?i)} folds case in all of Unicode, not only ASCII: {@link Pattern#UNICODE_CASE};
 *   <li>{@code \s} is {@code [\t\n\f\r ]} (Java adds {@code \x0B});
 *   <li>POSIX classes {@code [[:alpha:]]}, {@code [[:^digit:]]}, ... (Java reads them as plain
 *       characters);
 *   <li>in a bracket expression, {@code [} and {@code &} are plain characters and a leading {@code
 *       ]} is literal (Java nests classes and intersects with {@code &&});
 *   <li>named groups {@code (?P<name>...)}.
 * </ul>
 *
 * The result is fully anchored, as Prometheus anchors matchers with {@code ^(?:...)$}.
 */
final class GoRegex {

  private static final Map<String, String> POSIX =
      Map.ofEntries(
          Map.entry("alnum", "\\p{Alnum}"),
          Map.entry("alpha", "\\p{Alpha}"),
          Map.entry("ascii", "\\p{ASCII}"),
          Map.entry("blank", "\\p{Blank}"),
          Map.entry("cntrl", "\\p{Cntrl}"),
          Map.entry("digit", "\\p{Digit}"),
          Map.entry("graph", "\\p{Graph}"),
          Map.entry("lower", "\\p{Lower}"),
          Map.entry("print", "\\p{Print}"),
          Map.entry("punct", "\\p{Punct}"),
          Map.entry("space", "\\p{Space}"),
          Map.entry("upper", "\\p{Upper}"),
          Map.entry("word", "\\w"),
          Map.entry("xdigit", "\\p{XDigit}"));

  private static final String SPACE = "\\t\\n\\f\\r ";

  private GoRegex() {}

  /**
   * The anchored pattern.
   *
   * @throws java.util.regex.PatternSyntaxException when Java cannot compile the translation
   */
  static Pattern compileAnchored(String re) {
    return Pattern.compile(
        "^(?:" + translate(re) + ")$", Pattern.UNIX_LINES | Pattern.UNICODE_CASE);
  }

  static String translate(String re) {
    StringBuilder b = new StringBuilder(re.length() + 16);
    boolean inClass = false;
    int n = re.length();
    for (int i = 0; i < n; i++) {
      char c = re.charAt(i);
      if (c == '\\' && i + 1 < n) {
        char e = re.charAt(++i);
        if (e == 's') {
          b.append(inClass ? SPACE : "[" + SPACE + "]");
        } else if (e == 'S' && !inClass) {
          b.append("[^" + SPACE + "]");
        } else {
          b.append(c).append(e);
        }
        continue;
      }
      if (inClass) {
        if (c == '[' && re.startsWith("[:", i)) {
          int end = re.indexOf(":]", i + 2);
          if (end > 0) {
            String name = re.substring(i + 2, end);
            boolean negated = name.startsWith("^");
            String java = POSIX.get(negated ? name.substring(1) : name);
            if (java != null) {
              if (negated) {
                java = java.equals("\\w") ? "\\W" : "\\P" + java.substring(2);
              }
              b.append(java);
              i = end + 1;
              continue;
            }
          }
        }
        if (c == '[' || c == '&') {
          b.append('\\').append(c);
          continue;
        }
        if (c == ']') {
          inClass = false;
        }
        b.append(c);
        continue;
      }
      if (c == '[') {
        inClass = true;
        b.append(c);
        if (i + 1 < n && re.charAt(i + 1) == '^') {
          b.append('^');
          i++;
        }
        if (i + 1 < n && re.charAt(i + 1) == ']') {
          b.append("\\]");
          i++;
        }
        continue;
      }
      if (re.startsWith("(?P<", i)) {
        b.append("(?<");
        i += 3;
        continue;
      }
      b.append(c);
    }
    return b.toString();
  }
}
