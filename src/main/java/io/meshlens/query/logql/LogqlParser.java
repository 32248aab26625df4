package io.meshlens.query.logql;

import io.meshlens.query.logql.LogqlExpr.Comparison;
import io.meshlens.query.logql.LogqlExpr.Grouping;
import io.meshlens.query.logql.LogqlExpr.LabelFilter;
import io.meshlens.query.logql.LogqlExpr.LogQuery;
import io.meshlens.query.logql.LogqlExpr.MetricExpr;
import io.meshlens.query.logql.LogqlExpr.ParserKind;
import io.meshlens.query.logql.LogqlExpr.RangeAggregation;
import io.meshlens.query.logql.LogqlExpr.RangeOp;
import io.meshlens.query.logql.LogqlExpr.Stage;
import io.meshlens.query.logql.LogqlExpr.VectorAggregation;
import io.meshlens.query.logql.LogqlExpr.VectorOp;
import io.meshlens.store.LabelMatcher;
import io.meshlens.store.logs.StreamSelection.LineFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the LogQL subset Meshlens evaluates (docs/loki-api.md). Errors are {@link LogqlException}s
 * worded like Loki's: {@code parse error at line 1, col <c>: syntax error: unexpected <token>[,
 * expecting <what>]}; LogQL that Loki has and Meshlens does not is refused by name ({@code ... col
 * 24: line_format is not supported}).
 */
public final class LogqlParser {

  static final String NEED_MATCHER =
      "queries require at least one regexp or equality matcher that does not have an"
          + " empty-compatible value. For instance, app=~\".*\" does not meet this requirement,"
          + " but app=~\".+\" will";

  private static final Map<String, RangeOp> RANGE_OPS =
      Map.of(
          "rate", RangeOp.RATE,
          "count_over_time", RangeOp.COUNT_OVER_TIME,
          "bytes_rate", RangeOp.BYTES_RATE,
          "bytes_over_time", RangeOp.BYTES_OVER_TIME);

  private static final Map<String, VectorOp> VECTOR_OPS =
      Map.of(
          "sum", VectorOp.SUM,
          "count", VectorOp.COUNT,
          "avg", VectorOp.AVG,
          "min", VectorOp.MIN,
          "max", VectorOp.MAX);

  /** LogQL that Loki knows and this subset refuses by name rather than as a syntax error. */
  private static final Set<String> UNSUPPORTED =
      Set.of(
          "avg_over_time",
          "sum_over_time",
          "min_over_time",
          "max_over_time",
          "stddev_over_time",
          "stdvar_over_time",
          "quantile_over_time",
          "first_over_time",
          "last_over_time",
          "absent_over_time",
          "rate_counter",
          "topk",
          "bottomk",
          "stddev",
          "stdvar",
          "sort",
          "sort_desc",
          "label_replace",
          "vector",
          "label_format",
          "unwrap",
          "pattern",
          "regexp",
          "unpack",
          "decolorize",
          "keep",
          "distinct",
          "ip",
          "offset");

  private static final Pattern DURATION =
      Pattern.compile(
          "(?:(\\d+)y)?(?:(\\d+)w)?(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?(?:(\\d+)ms)?");
  private static final long[] UNIT_MS = {
    365L * 24 * 3600 * 1000, 7L * 24 * 3600 * 1000, 24L * 3600 * 1000, 3600_000L, 60_000L, 1000L, 1L
  };

  private final List<Token> tokens;
  private int pos;

  private LogqlParser(String query) {
    this.tokens = new Lexer(query).tokens();
  }

  /** Parses a log or metric query. */
  public static LogqlExpr parse(String query) {
    LogqlParser p = new LogqlParser(query);
    if (p.peek().type == T.EOF) {
      throw LogqlException.parse(1, "syntax error: unexpected $end");
    }
    LogqlExpr e = p.expr();
    p.expect(T.EOF, null);
    return e;
  }

  /**
   * Parses a bare stream selector, as {@code /loki/api/v1/series} takes in {@code match[]}; a
   * pipeline is refused with Loki's {@code only label matchers are supported}.
   */
  public static List<LabelMatcher> parseSelector(String selector) {
    LogqlExpr e = parse(selector);
    if (!(e instanceof LogQuery q) || !q.stages().isEmpty()) {
      throw new LogqlException("only label matchers are supported");
    }
    return q.matchers();
  }

  // ---- grammar

  private LogqlExpr expr() {
    Token t = peek();
    if (t.type == T.IDENT && VECTOR_OPS.containsKey(t.text)) {
      return vectorAggregation();
    }
    if (t.type == T.IDENT && RANGE_OPS.containsKey(t.text)) {
      return rangeAggregation();
    }
    if (t.type == T.IDENT && UNSUPPORTED.contains(t.text)) {
      throw LogqlException.parse(t.col, t.text + " is not supported");
    }
    if (t.type == T.LPAREN) {
      next();
      LogqlExpr inner = expr();
      expect(T.RPAREN, ")");
      return inner;
    }
    if (t.type == T.LBRACE) {
      return logQuery();
    }
    throw unexpected(t, null);
  }

  private VectorAggregation vectorAggregation() {
    VectorOp op = VECTOR_OPS.get(next().text);
    Grouping grouping = grouping();
    expect(T.LPAREN, "(");
    Token at = peek();
    LogqlExpr inner = expr();
    if (!(inner instanceof MetricExpr m)) {
      throw LogqlException.parse(
          at.col, "syntax error: " + op.text + " needs a metric query, not a log query");
    }
    expect(T.RPAREN, ")");
    if (grouping == null) {
      grouping = grouping();
    }
    return new VectorAggregation(op, grouping, m);
  }

  private Grouping grouping() {
    Token t = peek();
    if (t.type != T.IDENT || !(t.text.equals("by") || t.text.equals("without"))) {
      return null;
    }
    next();
    expect(T.LPAREN, "(");
    List<String> labels = new ArrayList<>();
    if (peek().type != T.RPAREN) {
      labels.add(expect(T.IDENT, "IDENTIFIER").text);
      while (peek().type == T.COMMA) {
        next();
        labels.add(expect(T.IDENT, "IDENTIFIER").text);
      }
    }
    expect(T.RPAREN, ")");
    return new Grouping(t.text.equals("without"), labels);
  }

  private RangeAggregation rangeAggregation() {
    RangeOp op = RANGE_OPS.get(next().text);
    expect(T.LPAREN, "(");
    LogQuery logs;
    Token range;
    if (peek().type == T.LPAREN) {
      next();
      Token at = peek();
      LogqlExpr inner = expr();
      if (!(inner instanceof LogQuery q)) {
        throw LogqlException.parse(
            at.col, "syntax error: " + op.text + " needs a log query and a range");
      }
      expect(T.RPAREN, ")");
      range = expect(T.RANGE, "RANGE");
      logs = q;
    } else {
      List<LabelMatcher> matchers = selector();
      List<Stage> stages = new ArrayList<>();
      range = null;
      while (true) {
        if (peek().type == T.RANGE && range == null) {
          range = next();
        } else if (!stage(stages)) {
          break;
        }
      }
      if (range == null) {
        throw unexpected(peek(), "RANGE");
      }
      logs = new LogQuery(matchers, stages);
    }
    expect(T.RPAREN, ")");
    return new RangeAggregation(op, logs, rangeMs(range));
  }

  private LogQuery logQuery() {
    List<LabelMatcher> matchers = selector();
    List<Stage> stages = new ArrayList<>();
    while (stage(stages)) {
      // each call consumed one stage
    }
    if (peek().type == T.RANGE) {
      throw LogqlException.parse(
          peek().col, "syntax error: a range needs a range aggregation such as count_over_time");
    }
    return new LogQuery(matchers, stages);
  }

  private List<LabelMatcher> selector() {
    expect(T.LBRACE, "{");
    List<LabelMatcher> matchers = new ArrayList<>();
    matchers.add(matcher());
    while (peek().type == T.COMMA) {
      next();
      matchers.add(matcher());
    }
    expect(T.RBRACE, "} or ,");
    boolean selective =
        matchers.stream()
            .anyMatch(
                m ->
                    (m.type() == LabelMatcher.Type.EQUAL || m.type() == LabelMatcher.Type.REGEX)
                        && !m.matchesEmpty());
    if (!selective) {
      throw LogqlException.parse(NEED_MATCHER);
    }
    return matchers;
  }

  private LabelMatcher matcher() {
    Token name = expect(T.IDENT, "IDENTIFIER");
    Token op = next();
    LabelMatcher.Type type =
        switch (op.type) {
          case EQ -> LabelMatcher.Type.EQUAL;
          case NEQ -> LabelMatcher.Type.NOT_EQUAL;
          case RE -> LabelMatcher.Type.REGEX;
          case NRE -> LabelMatcher.Type.NOT_REGEX;
          default -> throw unexpected(op, "=, !=, =~ or !~");
        };
    Token value = expect(T.STRING, "STRING");
    return labelMatcher(name.text, type, value);
  }

  private static LabelMatcher labelMatcher(String name, LabelMatcher.Type type, Token value) {
    try {
      return LabelMatcher.of(name, type, value.text);
    } catch (IllegalArgumentException e) {
      throw LogqlException.parse(value.col, "error parsing regexp: " + e.getMessage());
    }
  }

  /** Parses one pipeline stage into {@code stages}; false when the next token starts none. */
  private boolean stage(List<Stage> stages) {
    Token t = peek();
    LineFilter.Op lineOp =
        switch (t.type) {
          case PIPE_EQ -> LineFilter.Op.CONTAINS;
          case NEQ -> LineFilter.Op.NOT_CONTAINS;
          case PIPE_RE -> LineFilter.Op.REGEX;
          case NRE -> LineFilter.Op.NOT_REGEX;
          default -> null;
        };
    if (lineOp != null) {
      next();
      Token value = expect(T.STRING, "STRING");
      if (lineOp == LineFilter.Op.REGEX || lineOp == LineFilter.Op.NOT_REGEX) {
        try {
          // RE2, as the store matches line filters (and Loki, with Go's regexp).
          com.google.re2j.Pattern.compile(value.text);
        } catch (com.google.re2j.PatternSyntaxException e) {
          throw LogqlException.parse(
              value.col, "error parsing regexp: " + e.getDescription() + ": `" + value.text + "`");
        }
      }
      if (stages.stream().anyMatch(x -> x instanceof Stage.Format)) {
        // Line filters run in the store, on the line as stored.
        throw LogqlException.parse(
            t.col, "a line filter after line_format is not supported; filter before it");
      }
      stages.add(new Stage.Line(new LineFilter(lineOp, value.text)));
      return true;
    }
    if (t.type != T.PIPE) {
      return false;
    }
    next();
    Token name = peek();
    if (name.type != T.IDENT && name.type != T.LPAREN) {
      throw unexpected(name, "IDENTIFIER");
    }
    if (name.type == T.IDENT) {
      switch (name.text) {
        case "json", "logfmt" -> {
          next();
          Token after = peek();
          if (after.type == T.IDENT || after.type == T.STRING) {
            throw LogqlException.parse(
                after.col, name.text + " with parameters is not supported; use | " + name.text);
          }
          stages.add(
              new Stage.Parser(name.text.equals("json") ? ParserKind.JSON : ParserKind.LOGFMT));
          return true;
        }
        case "line_format" -> {
          next();
          Token template = expect(T.STRING, "STRING");
          stages.add(new Stage.Format(LineTemplate.parse(template.text, template.col)));
          return true;
        }
        case "drop" -> {
          next();
          List<String> labels = new ArrayList<>();
          labels.add(expect(T.IDENT, "IDENTIFIER").text);
          while (peek().type == T.COMMA) {
            next();
            labels.add(expect(T.IDENT, "IDENTIFIER").text);
          }
          if (peek().type == T.EQ || peek().type == T.RE) {
            throw LogqlException.parse(peek().col, "drop with label matchers is not supported");
          }
          stages.add(new Stage.Drop(labels));
          return true;
        }
        default -> {
          T after = tokens.get(Math.min(pos + 1, tokens.size() - 1)).type;
          boolean comparison =
              switch (after) {
                case EQ, NEQ, RE, NRE, EQEQ, GT, GTE, LT, LTE -> true;
                default -> false;
              };
          if (UNSUPPORTED.contains(name.text) && !comparison) {
            throw LogqlException.parse(name.col, name.text + " is not supported");
          }
        }
      }
    }
    stages.add(new Stage.Labels(orFilter()));
    return true;
  }

  private LabelFilter orFilter() {
    LabelFilter left = andFilter();
    while (isWord(peek(), "or")) {
      next();
      left = new LabelFilter.Or(left, andFilter());
    }
    return left;
  }

  private LabelFilter andFilter() {
    LabelFilter left = primaryFilter();
    while (true) {
      Token t = peek();
      if (isWord(t, "and") || t.type == T.COMMA) {
        next();
      } else if (!(t.type == T.LPAREN || (t.type == T.IDENT && !isWord(t, "or")))) {
        return left;
      }
      // Juxtaposed filters (| a="x" b="y") mean "and", as in Loki.
      left = new LabelFilter.And(left, primaryFilter());
    }
  }

  private LabelFilter primaryFilter() {
    Token t = peek();
    if (t.type == T.LPAREN) {
      next();
      LabelFilter inner = orFilter();
      expect(T.RPAREN, ")");
      return inner;
    }
    Token name = expect(T.IDENT, "IDENTIFIER");
    if (UNSUPPORTED.contains(name.text) && peek().type == T.LPAREN) {
      throw LogqlException.parse(name.col, name.text + " is not supported");
    }
    Token op = next();
    Token value = next();
    if (value.type == T.NUMBER) {
      Comparison c =
          switch (op.type) {
            case EQ, EQEQ -> Comparison.EQ;
            case NEQ -> Comparison.NE;
            case GT -> Comparison.GT;
            case GTE -> Comparison.GE;
            case LT -> Comparison.LT;
            case LTE -> Comparison.LE;
            default -> throw unexpected(value, "STRING");
          };
      return new LabelFilter.Number(name.text, c, Double.parseDouble(value.text));
    }
    if (value.type == T.UNIT) {
      throw LogqlException.parse(
          value.col,
          "duration and bytes label filters are not supported: access log durations and sizes"
              + " are plain numbers (milliseconds, bytes), e.g. | duration > 250");
    }
    if (value.type != T.STRING) {
      throw unexpected(value, "STRING or NUMBER");
    }
    LabelMatcher.Type type =
        switch (op.type) {
          case EQ -> LabelMatcher.Type.EQUAL;
          case NEQ -> LabelMatcher.Type.NOT_EQUAL;
          case RE -> LabelMatcher.Type.REGEX;
          case NRE -> LabelMatcher.Type.NOT_REGEX;
          default -> throw unexpected(value, "NUMBER");
        };
    return new LabelFilter.Text(labelMatcher(name.text, type, value));
  }

  // ---- tokens

  private static boolean isWord(Token t, String word) {
    return t.type == T.IDENT && t.text.equals(word);
  }

  private Token peek() {
    return tokens.get(pos);
  }

  private Token next() {
    Token t = tokens.get(pos);
    if (t.type != T.EOF) {
      pos++;
    }
    return t;
  }

  private Token expect(T type, String expecting) {
    Token t = peek();
    if (t.type != type) {
      throw unexpected(t, expecting);
    }
    return next();
  }

  private static LogqlException unexpected(Token t, String expecting) {
    return LogqlException.parse(
        t.col,
        "syntax error: unexpected "
            + t.describe()
            + (expecting == null ? "" : ", expecting " + expecting));
  }

  private static long rangeMs(Token range) {
    String d = range.text;
    Matcher m = DURATION.matcher(d);
    if (d.isEmpty() || !m.matches()) {
      throw LogqlException.parse(range.col, "not a valid duration string: \"" + d + "\"");
    }
    long ms = 0;
    for (int i = 0; i < UNIT_MS.length; i++) {
      if (m.group(i + 1) != null) {
        ms += Long.parseLong(m.group(i + 1)) * UNIT_MS[i];
      }
    }
    if (ms <= 0) {
      throw LogqlException.parse(range.col, "range must be positive: [" + d + "]");
    }
    return ms;
  }

  enum T {
    LBRACE,
    RBRACE,
    LPAREN,
    RPAREN,
    COMMA,
    EQ,
    NEQ,
    RE,
    NRE,
    EQEQ,
    GT,
    GTE,
    LT,
    LTE,
    PIPE,
    PIPE_EQ,
    PIPE_RE,
    STRING,
    NUMBER,
    UNIT,
    IDENT,
    RANGE,
    EOF
  }

  record Token(T type, String text, int col) {
    String describe() {
      return switch (type) {
        case EOF -> "$end";
        case STRING -> "STRING";
        case NUMBER -> "NUMBER";
        case IDENT -> "IDENTIFIER";
        case RANGE -> "RANGE";
        case UNIT -> "DURATION";
        default -> text;
      };
    }
  }

  /** Splits a query into tokens; columns are 1-based code point positions, as Loki counts. */
  private static final class Lexer {
    private final String s;
    private int i;
    private final List<Token> out = new ArrayList<>();

    Lexer(String s) {
      this.s = s;
    }

    List<Token> tokens() {
      while (true) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
          i++;
        }
        if (i >= s.length()) {
          out.add(new Token(T.EOF, "", s.length() + 1));
          return out;
        }
        int col = i + 1;
        char c = s.charAt(i);
        char n = i + 1 < s.length() ? s.charAt(i + 1) : 0;
        switch (c) {
          case '{' -> simple(T.LBRACE, 1);
          case '}' -> simple(T.RBRACE, 1);
          case '(' -> simple(T.LPAREN, 1);
          case ')' -> simple(T.RPAREN, 1);
          case ',' -> simple(T.COMMA, 1);
          case '=' ->
              simple(n == '~' ? T.RE : n == '=' ? T.EQEQ : T.EQ, n == '~' || n == '=' ? 2 : 1);
          case '!' -> {
            if (n == '=') {
              simple(T.NEQ, 2);
            } else if (n == '~') {
              simple(T.NRE, 2);
            } else {
              throw LogqlException.parse(col, "syntax error: unexpected character '!'");
            }
          }
          case '|' ->
              simple(
                  n == '=' ? T.PIPE_EQ : n == '~' ? T.PIPE_RE : T.PIPE,
                  n == '=' || n == '~' ? 2 : 1);
          case '>' -> simple(n == '=' ? T.GTE : T.GT, n == '=' ? 2 : 1);
          case '<' -> simple(n == '=' ? T.LTE : T.LT, n == '=' ? 2 : 1);
          case '"' -> out.add(new Token(T.STRING, quoted(col), col));
          case '`' -> out.add(new Token(T.STRING, raw(col), col));
          case '[' -> {
            int end = s.indexOf(']', i);
            if (end < 0) {
              throw LogqlException.parse(col, "syntax error: unclosed range, expecting ]");
            }
            out.add(new Token(T.RANGE, s.substring(i + 1, end).trim(), col));
            i = end + 1;
          }
          default -> {
            if (Character.isDigit(c) || (c == '-' && Character.isDigit(n)) || c == '.') {
              number(col);
            } else if (Character.isLetter(c) || c == '_') {
              int start = i;
              while (i < s.length()
                  && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
              }
              out.add(new Token(T.IDENT, s.substring(start, i), col));
            } else {
              throw LogqlException.parse(col, "syntax error: unexpected character '" + c + "'");
            }
          }
        }
      }
    }

    private void simple(T type, int len) {
      out.add(new Token(type, s.substring(i, i + len), i + 1));
      i += len;
    }

    private void number(int col) {
      int start = i;
      if (s.charAt(i) == '-') {
        i++;
      }
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      if (i < s.length() && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
        int save = i;
        i++;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
          i++;
        }
        if (i < s.length() && Character.isDigit(s.charAt(i))) {
          while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
          }
        } else {
          i = save;
        }
      }
      if (i < s.length() && Character.isLetter(s.charAt(i))) {
        // 250ms, 5MB: a duration or bytes literal.
        while (i < s.length() && Character.isLetterOrDigit(s.charAt(i))) {
          i++;
        }
        out.add(new Token(T.UNIT, s.substring(start, i), col));
        return;
      }
      String text = s.substring(start, i);
      try {
        Double.parseDouble(text);
      } catch (NumberFormatException e) {
        throw LogqlException.parse(col, "syntax error: invalid number " + text);
      }
      out.add(new Token(T.NUMBER, text, col));
    }

    /** A Go-style double-quoted string with backslash escapes. */
    private String quoted(int col) {
      StringBuilder b = new StringBuilder();
      i++;
      while (i < s.length()) {
        char c = s.charAt(i++);
        if (c == '"') {
          return b.toString();
        }
        if (c != '\\') {
          b.append(c);
          continue;
        }
        if (i >= s.length()) {
          break;
        }
        char e = s.charAt(i++);
        switch (e) {
          case 'n' -> b.append('\n');
          case 't' -> b.append('\t');
          case 'r' -> b.append('\r');
          case '\\' -> b.append('\\');
          case '"' -> b.append('"');
          case '\'' -> b.append('\'');
          case 'a' -> b.append('\u0007');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'v' -> b.append('\u000b');
          case 'u' -> {
            if (i + 4 > s.length()) {
              throw LogqlException.parse(col, "syntax error: invalid escape in string");
            }
            try {
              b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
            } catch (NumberFormatException ex) {
              throw LogqlException.parse(col, "syntax error: invalid escape in string");
            }
            i += 4;
          }
          default ->
              throw LogqlException.parse(col, "syntax error: invalid escape \\" + e + " in string");
        }
      }
      throw LogqlException.parse(col, "syntax error: unterminated string");
    }

    private String raw(int col) {
      int end = s.indexOf('`', i + 1);
      if (end < 0) {
        throw LogqlException.parse(col, "syntax error: unterminated raw string");
      }
      String v = s.substring(i + 1, end);
      i = end + 1;
      return v;
    }
  }
}
