package io.meshlens.tenancy;

import java.util.regex.Pattern;

/**
 * A shell-style pattern over namespace or cluster names: {@code *} matches any run of characters,
 * {@code ?} one character; everything else is literal. {@code payments-*} matches {@code
 * payments-ledger}.
 */
record Glob(String pattern, Pattern regex, boolean literal, int literalChars) {

  static Glob of(String pattern) {
    StringBuilder re = new StringBuilder();
    int literalChars = 0;
    boolean literal = true;
    for (char c : pattern.toCharArray()) {
      if (c == '*') {
        re.append(".*");
        literal = false;
      } else if (c == '?') {
        re.append('.');
        literal = false;
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
        literalChars++;
      }
    }
    return new Glob(pattern, Pattern.compile(re.toString()), literal, literalChars);
  }

  boolean matches(String name) {
    return literal ? pattern.equals(name) : regex.matcher(name).matches();
  }

  boolean matchesEverything() {
    return pattern.equals("*");
  }

  /** 2 for an exact name, 1 for a partial pattern, 0 for {@code *}: higher is more specific. */
  int specificity() {
    return literal ? 2 : matchesEverything() ? 0 : 1;
  }
}
