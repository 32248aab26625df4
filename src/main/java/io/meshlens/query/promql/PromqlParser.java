package io.meshlens.query.promql;

import io.meshlens.model.Labels;
import io.meshlens.query.promql.Expr.AggregateExpr;
import io.meshlens.query.promql.Expr.AggregateOp;
import io.meshlens.query.promql.Expr.AtPreprocessor;
import io.meshlens.query.promql.Expr.BinaryExpr;
import io.meshlens.query.promql.Expr.BinaryOp;
import io.meshlens.query.promql.Expr.Call;
import io.meshlens.query.promql.Expr.Cardinality;
import io.meshlens.query.promql.Expr.MatrixSelector;
import io.meshlens.query.promql.Expr.NumberLiteral;
import io.meshlens.query.promql.Expr.ParenExpr;
import io.meshlens.query.promql.Expr.PositionRange;
import io.meshlens.query.promql.Expr.StringLiteral;
import io.meshlens.query.promql.Expr.SubqueryExpr;
import io.meshlens.query.promql.Expr.UnaryExpr;
import io.meshlens.query.promql.Expr.VectorMatching;
import io.meshlens.query.promql.Expr.VectorSelector;
import io.meshlens.query.promql.PromqlLexer.Token;
import io.meshlens.query.promql.PromqlLexer.Type;
import io.meshlens.store.LabelMatcher;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.regex.PatternSyntaxException;

/**
 * Parses PromQL text into an {@link Expr} tree and type-checks it, with Prometheus 2.42's grammar
 * and error messages.
 *
 * <p>Operator precedence, lowest first: {@code or}; {@code and unless}; {@code == != <= < >= >};
 * {@code + -}; {@code * / % atan2}; {@code ^} (right-associative). Unary minus binds like {@code *}
 * (so {@code -2^2} is {@code -4}); {@code [range]}, {@code offset} and {@code @} bind tightest.
 *
 * <p>Errors are {@link PromqlException}s of type {@code bad_data} worded as Prometheus does, with a
 * {@code line:column} prefix (columns count UTF-8 bytes, as in Go):
 *
 * <pre>{@code
 * PromqlParser.parse("sum(rate(x[5m])) by (job)");   // ok
 * PromqlParser.parse("1 +");  // 1:4: parse error: unexpected end of input
 * }</pre>
 */
public final class PromqlParser {

  private static final Set<Type> AGGREGATORS =
      EnumSet.of(
          Type.AVG,
          Type.BOTTOMK,
          Type.COUNT,
          Type.COUNT_VALUES,
          Type.GROUP,
          Type.MAX,
          Type.MIN,
          Type.QUANTILE,
          Type.STDDEV,
          Type.STDVAR,
          Type.SUM,
          Type.TOPK);

  /** Keywords that may also name a metric when they start an operand. */
  private static final Set<Type> METRIC_KEYWORDS =
      EnumSet.of(
          Type.BY,
          Type.LAND,
          Type.LOR,
          Type.LUNLESS,
          Type.OFFSET,
          Type.WITHOUT,
          Type.START,
          Type.END);

  /** Tokens accepted as label names in grouping clauses. */
  private static final Set<Type> MAYBE_LABEL =
      EnumSet.of(
          Type.AVG,
          Type.BOOL,
          Type.BOTTOMK,
          Type.BY,
          Type.COUNT,
          Type.COUNT_VALUES,
          Type.GROUP,
          Type.GROUP_LEFT,
          Type.GROUP_RIGHT,
          Type.IDENTIFIER,
          Type.IGNORING,
          Type.LAND,
          Type.LOR,
          Type.LUNLESS,
          Type.MAX,
          Type.METRIC_IDENTIFIER,
          Type.MIN,
          Type.OFFSET,
          Type.ON,
          Type.QUANTILE,
          Type.STDDEV,
          Type.STDVAR,
          Type.SUM,
          Type.TOPK,
          Type.START,
          Type.END,
          Type.ATAN2);

  private final String input;
  private final List<Token> tokens;
  private int index;

  private PromqlParser(String input) {
    this.input = input;
    List<Token> all = PromqlLexer.lex(input);
    List<Token> kept = new ArrayList<>(all.size());
    for (Token t : all) {
      if (t.type() != Type.COMMENT) {
        kept.add(t);
      }
    }
    this.tokens = kept;
  }

  /**
   * Parses and type-checks {@code query}.
   *
   * @throws PromqlException ({@code bad_data}) with Prometheus' message when it is not valid PromQL
   */
  public static Expr parse(String query) {
    PromqlParser p = new PromqlParser(query);
    Expr expr = p.parseTop();
    p.check(expr);
    return expr;
  }

  /**
   * Parses a series selector such as {@code up{job=~"a.*"}}, as the {@code match[]} parameter of
   * the series, labels and label values APIs takes it.
   *
   * @throws PromqlException ({@code bad_data}) when it is not valid PromQL or not a plain selector
   */
  public static List<LabelMatcher> parseMetricSelector(String selector) {
    Expr e = parse(selector == null ? "" : selector);
    if (e instanceof Expr.VectorSelector vs
        && vs.offsetMs() == 0
        && vs.atMs() == null
        && vs.atPreprocessor() == Expr.AtPreprocessor.NONE) {
      return vs.matchers();
    }
    throw PromqlException.badData(
        "1:1: parse error: expected a series selector such as up{job=\"x\"}, got \""
            + selector
            + "\"");
  }

  // ---------------------------------------------------------------- errors

  private PromqlException error(int pos, String message) {
    return PromqlException.badData(position(input, pos) + " parse error: " + message);
  }

  /** Go's {@code line:col:} prefix, counting bytes of UTF-8 as Prometheus does. */
  static String position(String query, int pos) {
    if (pos < 0 || pos > query.length()) {
      return "invalid position:";
    }
    int line = 1;
    int lastBreak = -1;
    for (int i = 0; i < pos; i++) {
      if (query.charAt(i) == '\n') {
        lastBreak = i;
        line++;
      }
    }
    int col = GoText.utf8Length(query.substring(lastBreak + 1, pos)) + 1;
    return line + ":" + col + ":";
  }

  /** "unexpected X [in context][, expected Y]" for the current token (or its lexer error). */
  private PromqlException unexpected(String context, String expected) {
    Token t = cur();
    if (t.type() == Type.ERROR) {
      return error(t.pos(), t.val());
    }
    StringBuilder sb = new StringBuilder("unexpected ").append(t.describe());
    if (!context.isEmpty()) {
      sb.append(" in ").append(context);
    }
    if (!expected.isEmpty()) {
      sb.append(", expected ").append(expected);
    }
    return error(t.pos(), sb.toString());
  }

  // ---------------------------------------------------------------- tokens

  private Token cur() {
    return tokens.get(index);
  }

  private Token peekAt(int ahead) {
    int i = Math.min(index + ahead, tokens.size() - 1);
    return tokens.get(i);
  }

  private Token advance() {
    Token t = tokens.get(index);
    if (index < tokens.size() - 1) {
      index++;
    }
    return t;
  }

  private boolean at(Type t) {
    return cur().type() == t;
  }

  // ---------------------------------------------------------------- grammar

  private Expr parseTop() {
    if (at(Type.EOF)) {
      throw error(0, "no expression found in input");
    }
    Expr e = parseExpr(0);
    if (!at(Type.EOF)) {
      throw unexpected("", "");
    }
    return e;
  }

  private static BinaryOp binaryOp(Type t) {
    return switch (t) {
      case ADD -> BinaryOp.ADD;
      case SUB -> BinaryOp.SUB;
      case MUL -> BinaryOp.MUL;
      case DIV -> BinaryOp.DIV;
      case MOD -> BinaryOp.MOD;
      case POW -> BinaryOp.POW;
      case ATAN2 -> BinaryOp.ATAN2;
      case EQLC -> BinaryOp.EQL;
      case NEQ -> BinaryOp.NEQ;
      case LTE -> BinaryOp.LTE;
      case LSS -> BinaryOp.LSS;
      case GTE -> BinaryOp.GTE;
      case GTR -> BinaryOp.GTR;
      case LAND -> BinaryOp.AND;
      case LOR -> BinaryOp.OR;
      case LUNLESS -> BinaryOp.UNLESS;
      default -> null;
    };
  }

  /** Precedence climbing over binary operators binding at least as tight as {@code minPrec}. */
  private Expr parseExpr(int minPrec) {
    Expr lhs = parseUnary();
    while (true) {
      BinaryOp op = binaryOp(cur().type());
      if (op == null || op.precedence() < minPrec) {
        return lhs;
      }
      advance();
      boolean returnBool = false;
      if (at(Type.BOOL)) {
        advance();
        returnBool = true;
      }
      Cardinality card = Cardinality.ONE_TO_ONE;
      List<String> matching = List.of();
      List<String> include = List.of();
      boolean on = false;
      if (at(Type.ON) || at(Type.IGNORING)) {
        on = advance().type() == Type.ON;
        matching = parseGroupingLabels();
        if (at(Type.GROUP_LEFT) || at(Type.GROUP_RIGHT)) {
          card =
              advance().type() == Type.GROUP_LEFT
                  ? Cardinality.MANY_TO_ONE
                  : Cardinality.ONE_TO_MANY;
          if (at(Type.LEFT_PAREN)) {
            include = parseGroupingLabels();
          }
        }
      }
      if (op.isSetOperator() && card == Cardinality.ONE_TO_ONE) {
        card = Cardinality.MANY_TO_MANY;
      }
      Expr rhs = parseExpr(op.rightAssociative() ? op.precedence() : op.precedence() + 1);
      lhs =
          new BinaryExpr(op, lhs, rhs, new VectorMatching(card, matching, on, include), returnBool);
    }
  }

  private Expr parseUnary() {
    Token t = cur();
    if (t.type() == Type.ADD || t.type() == Type.SUB) {
      advance();
      // Unary operators bind like '*': only '^' (and the postfix modifiers) bind tighter.
      Expr operand = parseExpr(BinaryOp.POW.precedence());
      boolean negate = t.type() == Type.SUB;
      PositionRange pos = new PositionRange(t.pos(), operand.position().end());
      if (operand instanceof NumberLiteral nl) {
        return new NumberLiteral(negate ? -nl.value() : nl.value(), pos);
      }
      return new UnaryExpr(negate, operand, pos);
    }
    return parsePostfix(parsePrimary());
  }

  private Expr parsePrimary() {
    Token t = cur();
    switch (t.type()) {
      case NUMBER -> {
        advance();
        return new NumberLiteral(number(t), new PositionRange(t.pos(), t.end()));
      }
      case STRING -> {
        advance();
        return new StringLiteral(unquote(t), new PositionRange(t.pos(), t.end()));
      }
      case LEFT_PAREN -> {
        advance();
        Expr inner = parseExpr(0);
        if (!at(Type.RIGHT_PAREN)) {
          throw unexpected("", "");
        }
        Token close = advance();
        return new ParenExpr(inner, new PositionRange(t.pos(), close.end()));
      }
      case LEFT_BRACE -> {
        return parseVectorSelector(null);
      }
      case IDENTIFIER -> {
        if (peekAt(1).type() == Type.LEFT_PAREN) {
          return parseCall();
        }
        return parseVectorSelector(advance());
      }
      case METRIC_IDENTIFIER -> {
        return parseVectorSelector(advance());
      }
      case ERROR -> throw error(t.pos(), t.val());
      default -> {
        if (AGGREGATORS.contains(t.type())) {
          Type next = peekAt(1).type();
          if (next == Type.LEFT_PAREN || next == Type.BY || next == Type.WITHOUT) {
            return parseAggregation();
          }
          return parseVectorSelector(advance());
        }
        if (METRIC_KEYWORDS.contains(t.type())) {
          return parseVectorSelector(advance());
        }
        throw unexpected("", "");
      }
    }
  }

  private Expr parsePostfix(Expr expr) {
    while (true) {
      switch (cur().type()) {
        case LEFT_BRACKET -> expr = parseRangeOrSubquery(expr);
        case OFFSET -> expr = parseOffset(expr);
        case AT -> expr = parseAt(expr);
        default -> {
          return expr;
        }
      }
    }
  }

  private Expr parseRangeOrSubquery(Expr expr) {
    Token open = advance();
    if (!at(Type.DURATION)) {
      throw unexpected("subquery selector", "duration");
    }
    Token rangeTok = advance();
    long range = duration(rangeTok);
    if (at(Type.RIGHT_BRACKET)) {
      Token close = advance();
      String err = null;
      if (!(expr instanceof VectorSelector vs)) {
        err = "ranges only allowed for vector selectors";
      } else if (vs.offsetMs() != 0) {
        err = "no offset modifiers allowed before range";
      } else if (vs.atMs() != null || vs.atPreprocessor() != AtPreprocessor.NONE) {
        err = "no @ modifiers allowed before range";
      }
      if (err != null) {
        throw error(open.pos(), err);
      }
      return new MatrixSelector(
          (VectorSelector) expr, range, new PositionRange(expr.position().start(), close.end()));
    }
    if (!at(Type.COLON)) {
      throw unexpected("subquery or range", "\":\" or \"]\"");
    }
    advance();
    long step = 0;
    if (at(Type.DURATION)) {
      step = duration(advance());
      if (!at(Type.RIGHT_BRACKET)) {
        throw unexpected("subquery selector", "\"]\"");
      }
    } else if (!at(Type.RIGHT_BRACKET)) {
      throw unexpected("subquery selector", "duration or \"]\"");
    }
    Token close = advance();
    return new SubqueryExpr(
        expr,
        range,
        step,
        0,
        null,
        AtPreprocessor.NONE,
        new PositionRange(expr.position().start(), close.end()));
  }

  private Expr parseOffset(Expr expr) {
    advance();
    boolean negative = false;
    if (at(Type.SUB)) {
      advance();
      negative = true;
    }
    if (!at(Type.DURATION)) {
      throw unexpected("offset", "duration");
    }
    Token durTok = advance();
    long d = duration(durTok);
    long offset = negative ? -d : d;
    int end = durTok.end();
    String multiple = "offset may not be set multiple times";
    if (expr instanceof VectorSelector vs) {
      if (vs.offsetMs() != 0) {
        throw error(expr.position().start(), multiple);
      }
      return vs.withOffset(offset, end);
    } else if (expr instanceof MatrixSelector ms) {
      if (ms.selector().offsetMs() != 0) {
        throw error(expr.position().start(), multiple);
      }
      return new MatrixSelector(
          ms.selector().withOffset(offset, ms.selector().position().end()),
          ms.rangeMs(),
          new PositionRange(ms.position().start(), end));
    } else if (expr instanceof SubqueryExpr sq) {
      if (sq.offsetMs() != 0) {
        throw error(expr.position().start(), multiple);
      }
      return sq.withOffset(offset, end);
    }
    throw error(
        expr.position().start(),
        "offset modifier must be preceded by an instant vector selector or range vector"
            + " selector or a subquery");
  }

  private Expr parseAt(Expr expr) {
    advance();
    Long atMs = null;
    AtPreprocessor pre = AtPreprocessor.NONE;
    int end;
    if (at(Type.NUMBER) || ((at(Type.ADD) || at(Type.SUB)) && peekAt(1).type() == Type.NUMBER)) {
      boolean negative = false;
      if (at(Type.ADD) || at(Type.SUB)) {
        negative = advance().type() == Type.SUB;
      }
      Token numTok = advance();
      double ts = number(numTok);
      if (negative) {
        ts = -ts;
      }
      end = numTok.end();
      if (Double.isInfinite(ts)
          || Double.isNaN(ts)
          || ts >= (double) Long.MAX_VALUE
          || ts <= (double) Long.MIN_VALUE) {
        throw error(
            expr.position().start(),
            "timestamp out of bounds for @ modifier: " + GoText.formatFixed6(ts));
      }
      atMs = roundHalfAwayFromZero(ts * 1000);
    } else if (at(Type.START) || at(Type.END)) {
      pre = advance().type() == Type.START ? AtPreprocessor.START : AtPreprocessor.END;
      if (!at(Type.LEFT_PAREN)) {
        throw unexpected("@", "timestamp");
      }
      advance();
      if (!at(Type.RIGHT_PAREN)) {
        throw unexpected("@", "timestamp");
      }
      end = advance().end();
    } else {
      throw unexpected("@", "timestamp");
    }
    String multiple = "@ <timestamp> may not be set multiple times";
    if (expr instanceof VectorSelector vs) {
      if (vs.atMs() != null || vs.atPreprocessor() != AtPreprocessor.NONE) {
        throw error(expr.position().start(), multiple);
      }
      return vs.withAt(atMs, pre, end);
    } else if (expr instanceof MatrixSelector ms) {
      VectorSelector vs = ms.selector();
      if (vs.atMs() != null || vs.atPreprocessor() != AtPreprocessor.NONE) {
        throw error(expr.position().start(), multiple);
      }
      return new MatrixSelector(
          vs.withAt(atMs, pre, vs.position().end()),
          ms.rangeMs(),
          new PositionRange(ms.position().start(), end));
    } else if (expr instanceof SubqueryExpr sq) {
      if (sq.atMs() != null || sq.atPreprocessor() != AtPreprocessor.NONE) {
        throw error(expr.position().start(), multiple);
      }
      return sq.withAt(atMs, pre, end);
    }
    throw error(
        expr.position().start(),
        "@ modifier must be preceded by an instant vector selector or range vector selector"
            + " or a subquery");
  }

  /** Go's {@code int64(math.Round(x))}. */
  private static long roundHalfAwayFromZero(double x) {
    return (long) (Math.signum(x) * Math.floor(Math.abs(x) + 0.5));
  }

  private Expr parseCall() {
    Token name = advance();
    List<Expr> args = parseArgs();
    int end = tokens.get(index - 1).end();
    FunctionDef fn = FunctionDef.lookup(name.val());
    if (fn == null) {
      throw error(name.pos(), "unknown function with name " + GoText.quote(name.val()));
    }
    return new Call(fn, args, new PositionRange(name.pos(), end));
  }

  /** {@code ( expr, expr, ... )}; the opening parenthesis is the current token. */
  private List<Expr> parseArgs() {
    advance();
    List<Expr> args = new ArrayList<>();
    if (at(Type.RIGHT_PAREN)) {
      advance();
      return args;
    }
    while (true) {
      args.add(parseExpr(0));
      if (at(Type.COMMA)) {
        Token comma = advance();
        if (at(Type.RIGHT_PAREN)) {
          throw error(comma.pos(), "trailing commas not allowed in function call args");
        }
        continue;
      }
      if (at(Type.RIGHT_PAREN)) {
        advance();
        return args;
      }
      throw unexpected("", "");
    }
  }

  private Expr parseAggregation() {
    Token opTok = advance();
    AggregateOp op = AggregateOp.valueOf(opTok.type().name());
    List<String> grouping = List.of();
    boolean without = false;
    boolean modifierFirst = false;
    if (at(Type.BY) || at(Type.WITHOUT)) {
      without = advance().type() == Type.WITHOUT;
      grouping = parseGroupingLabels();
      modifierFirst = true;
    }
    if (!at(Type.LEFT_PAREN)) {
      throw unexpected("aggregation", "");
    }
    List<Expr> args = parseArgs();
    if (!modifierFirst && (at(Type.BY) || at(Type.WITHOUT))) {
      without = advance().type() == Type.WITHOUT;
      grouping = parseGroupingLabels();
    }
    int end = tokens.get(index - 1).end();
    if (args.isEmpty()) {
      throw error(opTok.pos(), "no arguments for aggregate expression provided");
    }
    int desired = op.hasParam() ? 2 : 1;
    if (args.size() != desired) {
      throw error(
          opTok.pos(),
          "wrong number of arguments for aggregate expression provided, expected "
              + desired
              + ", got "
              + args.size());
    }
    Expr param = op.hasParam() ? args.get(0) : null;
    return new AggregateExpr(
        op, args.get(desired - 1), param, grouping, without, new PositionRange(opTok.pos(), end));
  }

  /** {@code ( label, label, ... )} of {@code by}, {@code without}, {@code on}, ... */
  private List<String> parseGroupingLabels() {
    if (!at(Type.LEFT_PAREN)) {
      throw unexpected("grouping opts", "\"(\"");
    }
    advance();
    List<String> labels = new ArrayList<>();
    if (at(Type.RIGHT_PAREN)) {
      advance();
      return labels;
    }
    while (true) {
      Token t = cur();
      if (!MAYBE_LABEL.contains(t.type()) || !PromqlLexer.isLabel(t.val())) {
        throw unexpected("grouping opts", "label");
      }
      advance();
      labels.add(t.val());
      if (at(Type.COMMA)) {
        advance();
        if (at(Type.RIGHT_PAREN)) {
          advance();
          return labels;
        }
        continue;
      }
      if (at(Type.RIGHT_PAREN)) {
        advance();
        return labels;
      }
      throw unexpected("grouping opts", "\",\" or \")\"");
    }
  }

  /** A vector selector; {@code nameTok} is the consumed metric name, or null for {@code {...}}. */
  private Expr parseVectorSelector(Token nameTok) {
    String name = nameTok == null ? "" : nameTok.val();
    int start = nameTok == null ? cur().pos() : nameTok.pos();
    int end = nameTok == null ? start : nameTok.end();
    List<LabelMatcher> matchers = new ArrayList<>();
    if (at(Type.LEFT_BRACE)) {
      advance();
      end = parseMatchers(matchers);
    }
    if (!name.isEmpty()) {
      matchers.add(LabelMatcher.equal(Labels.METRIC_NAME, name));
    }
    return new VectorSelector(
        name, matchers, 0, null, AtPreprocessor.NONE, new PositionRange(start, end));
  }

  /** Matchers up to and including the closing brace; returns the end position. */
  private int parseMatchers(List<LabelMatcher> out) {
    if (at(Type.RIGHT_BRACE)) {
      return advance().end();
    }
    while (true) {
      if (!at(Type.IDENTIFIER)) {
        throw unexpected("label matching", "identifier or \"}\"");
      }
      Token label = advance();
      LabelMatcher.Type type =
          switch (cur().type()) {
            case EQL -> LabelMatcher.Type.EQUAL;
            case NEQ -> LabelMatcher.Type.NOT_EQUAL;
            case EQL_REGEX -> LabelMatcher.Type.REGEX;
            case NEQ_REGEX -> LabelMatcher.Type.NOT_REGEX;
            default -> throw unexpected("label matching", "label matching operator");
          };
      advance();
      if (!at(Type.STRING)) {
        throw unexpected("label matching", "string");
      }
      Token value = advance();
      String v = unquote(value);
      try {
        out.add(matcher(label.val(), type, v));
      } catch (IllegalArgumentException e) {
        throw error(label.pos(), "error parsing regexp: " + regexError(v, e));
      }
      if (at(Type.COMMA)) {
        advance();
        if (at(Type.RIGHT_BRACE)) {
          return advance().end();
        }
        continue;
      }
      if (at(Type.RIGHT_BRACE)) {
        return advance().end();
      }
      throw unexpected("label matching", "\",\" or \"}\"");
    }
  }

  /**
   * A matcher whose regular expression matches as Go's does ({@link GoRegex}); when the translation
   * does not compile, the matcher {@link LabelMatcher#of} builds, or its error.
   */
  private static LabelMatcher matcher(String name, LabelMatcher.Type type, String value) {
    if (type == LabelMatcher.Type.REGEX || type == LabelMatcher.Type.NOT_REGEX) {
      try {
        return new LabelMatcher(name, type, value, GoRegex.compileAnchored(value));
      } catch (java.util.regex.PatternSyntaxException e) {
        // Fall through: LabelMatcher.of reports the error in the form regexError reads.
      }
    }
    return LabelMatcher.of(name, type, value);
  }

  /**
   * Go's {@code regexp} error text for the common mistakes; Java's description otherwise (the two
   * libraries word errors differently).
   */
  private static String regexError(String regex, IllegalArgumentException e) {
    if (!(e.getCause() instanceof PatternSyntaxException pse)) {
      return e.getMessage();
    }
    String d = pse.getDescription();
    if (d.startsWith("Unclosed group")) {
      return "missing closing ): `^(?:" + regex + ")$`";
    }
    if (d.startsWith("Unmatched closing ')'")) {
      return "unexpected ): `^(?:" + regex + ")$`";
    }
    if (d.startsWith("Dangling meta character")) {
      int i = Math.max(0, pse.getIndex() - "^(?:".length());
      String op = i < regex.length() ? regex.substring(i, Math.min(regex.length(), i + 1)) : "";
      if (i + 1 < regex.length() && (regex.charAt(i + 1) == '?' || regex.charAt(i + 1) == '+')) {
        op = regex.substring(i, i + 2);
      }
      return "missing argument to repetition operator: `" + op + "`";
    }
    return d + ": `" + regex + "`";
  }

  // ---------------------------------------------------------------- literals

  private double number(Token t) {
    Long asInt = GoText.parseIntBase0(t.val());
    if (asInt != null) {
      return asInt;
    }
    try {
      return GoText.parseFloat(t.val());
    } catch (GoText.NumberSyntaxException e) {
      throw error(t.pos(), "error parsing number: " + e.getMessage());
    }
  }

  private long duration(Token t) {
    long d;
    try {
      d = Durations.parse(t.val());
    } catch (IllegalArgumentException e) {
      throw error(t.pos(), e.getMessage());
    }
    if (d == 0) {
      throw error(t.pos(), "duration must be greater than 0");
    }
    return d;
  }

  private String unquote(Token t) {
    String s = unquote(t.val());
    if (s == null) {
      throw error(t.pos(), "error unquoting string " + GoText.quote(t.val()) + ": invalid syntax");
    }
    return s;
  }

  /** Prometheus' {@code strutil.Unquote}; null when the literal is malformed. */
  static String unquote(String s) {
    int n = s.length();
    if (n < 2) {
      return null;
    }
    char quote = s.charAt(0);
    if (quote != s.charAt(n - 1)) {
      return null;
    }
    String body = s.substring(1, n - 1);
    if (quote == '`') {
      return body.indexOf('`') >= 0 ? null : body;
    }
    if (quote != '"' && quote != '\'') {
      return null;
    }
    if (body.indexOf('\n') >= 0) {
      return null;
    }
    if (body.indexOf('\\') < 0 && body.indexOf(quote) < 0) {
      return body;
    }
    // Escapes may produce single bytes (\x, octal), so collect UTF-8 bytes.
    ByteArrayOutputStream buf = new ByteArrayOutputStream(body.length());
    int i = 0;
    while (i < body.length()) {
      int c = body.codePointAt(i);
      if (c == quote) {
        return null;
      }
      if (c != '\\') {
        byte[] b = new String(Character.toChars(c)).getBytes(StandardCharsets.UTF_8);
        buf.write(b, 0, b.length);
        i += Character.charCount(c);
        continue;
      }
      if (i + 1 >= body.length()) {
        return null;
      }
      char e = body.charAt(i + 1);
      i += 2;
      int value;
      boolean singleByte = false;
      switch (e) {
        case 'a' -> value = 0x07;
        case 'b' -> value = '\b';
        case 'f' -> value = '\f';
        case 'n' -> value = '\n';
        case 'r' -> value = '\r';
        case 't' -> value = '\t';
        case 'v' -> value = 0x0b;
        case 'x', 'u', 'U' -> {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          if (i + digits > body.length()) {
            return null;
          }
          long v = 0;
          for (int j = 0; j < digits; j++) {
            int d = Character.digit(body.charAt(i + j), 16);
            if (d < 0) {
              return null;
            }
            v = v << 4 | d;
          }
          i += digits;
          if (e != 'x' && v > Character.MAX_CODE_POINT) {
            return null;
          }
          value = (int) v;
          singleByte = e == 'x';
        }
        case '0', '1', '2', '3', '4', '5', '6', '7' -> {
          if (i + 2 > body.length()) {
            return null;
          }
          int v = e - '0';
          for (int j = 0; j < 2; j++) {
            int d = body.charAt(i + j) - '0';
            if (d < 0 || d > 7) {
              return null;
            }
            v = (v << 3) | d;
          }
          i += 2;
          if (v > 255) {
            return null;
          }
          value = v;
          singleByte = true;
        }
        case '\\' -> value = '\\';
        case '\'', '"' -> {
          if (e != quote) {
            return null;
          }
          value = e;
        }
        default -> {
          return null;
        }
      }
      if (singleByte || value < 0x80) {
        buf.write(value);
      } else {
        byte[] b = new String(Character.toChars(value)).getBytes(StandardCharsets.UTF_8);
        buf.write(b, 0, b.length);
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- type checking

  /** Prometheus' {@code checkAST}: type rules that the grammar alone does not enforce. */
  private ValueType check(Expr node) {
    if (node instanceof AggregateExpr n) {
      expectType(n.expr(), ValueType.VECTOR, "aggregation expression");
      if (n.op() == AggregateOp.TOPK
          || n.op() == AggregateOp.BOTTOMK
          || n.op() == AggregateOp.QUANTILE) {
        expectType(n.param(), ValueType.SCALAR, "aggregation parameter");
      }
      if (n.op() == AggregateOp.COUNT_VALUES) {
        expectType(n.param(), ValueType.STRING, "aggregation parameter");
      }
    } else if (node instanceof BinaryExpr n) {
      checkBinary(n);
    } else if (node instanceof Call n) {
      checkCall(n);
    } else if (node instanceof ParenExpr n) {
      check(n.expr());
    } else if (node instanceof UnaryExpr n) {
      ValueType t = check(n.expr());
      if (t != ValueType.SCALAR && t != ValueType.VECTOR) {
        throw error(
            n.position().start(),
            "unary expression only allowed on expressions of type scalar or instant vector, got "
                + GoText.quote(t.documentedName()));
      }
    } else if (node instanceof SubqueryExpr n) {
      ValueType t = check(n.expr());
      if (t != ValueType.VECTOR) {
        throw error(
            n.position().start(),
            "subquery is only allowed on instant vector, got " + t.apiName() + " instead");
      }
    } else if (node instanceof MatrixSelector n) {
      check(n.selector());
    } else if (node instanceof VectorSelector n) {
      checkSelector(n);
    }
    return node.type();
  }

  private void expectType(Expr node, ValueType want, String context) {
    ValueType t = check(node);
    if (t != want) {
      throw error(
          node.position().start(),
          "expected type "
              + want.documentedName()
              + " in "
              + context
              + ", got "
              + t.documentedName());
    }
  }

  private void checkSelector(VectorSelector n) {
    if (!n.name().isEmpty()) {
      List<LabelMatcher> ms = n.matchers();
      for (LabelMatcher m : ms.subList(0, ms.size() - 1)) {
        if (m.name().equals(Labels.METRIC_NAME)) {
          throw error(
              n.position().start(),
              "metric name must not be set twice: "
                  + GoText.quote(n.name())
                  + " or "
                  + GoText.quote(m.value()));
        }
      }
      return;
    }
    // At least one matcher must not match the empty string, so that a typo cannot select every
    // series.
    for (LabelMatcher m : n.matchers()) {
      if (!m.matchesEmpty()) {
        return;
      }
    }
    throw error(
        n.position().start(), "vector selector must contain at least one non-empty matcher");
  }

  private void checkCall(Call n) {
    FunctionDef f = n.function();
    int nargs = f.argTypes().size();
    if (f.variadic() == 0) {
      if (nargs != n.args().size()) {
        throw error(
            n.position().start(),
            "expected "
                + nargs
                + " argument(s) in call to "
                + GoText.quote(f.name())
                + ", got "
                + n.args().size());
      }
    } else {
      int na = nargs - 1;
      if (na > n.args().size()) {
        throw error(
            n.position().start(),
            "expected at least "
                + na
                + " argument(s) in call to "
                + GoText.quote(f.name())
                + ", got "
                + n.args().size());
      }
      int max = na + f.variadic();
      if (f.variadic() > 0 && max < n.args().size()) {
        throw error(
            n.position().start(),
            "expected at most "
                + max
                + " argument(s) in call to "
                + GoText.quote(f.name())
                + ", got "
                + n.args().size());
      }
    }
    for (int i = 0; i < n.args().size(); i++) {
      int ti = i;
      if (i >= nargs) {
        if (f.variadic() == 0) {
          break;
        }
        ti = nargs - 1;
      }
      expectType(
          n.args().get(i), f.argTypes().get(ti), "call to function " + GoText.quote(f.name()));
    }
  }

  private void checkBinary(BinaryExpr n) {
    ValueType lt = check(n.lhs());
    ValueType rt = check(n.rhs());
    VectorMatching vm = n.matching();
    BinaryOp op = n.op();
    if (n.returnBool() && !op.isComparison()) {
      throw error(operatorPos(n), "bool modifier can only be used on comparison operators");
    }
    if (op.isComparison()
        && !n.returnBool()
        && n.rhs().type() == ValueType.SCALAR
        && n.lhs().type() == ValueType.SCALAR) {
      throw error(operatorPos(n), "comparisons between scalars must use BOOL modifier");
    }
    for (String l1 : vm.matchingLabels()) {
      for (String l2 : vm.include()) {
        if (l1.equals(l2) && vm.on()) {
          throw error(
              operatorPos(n),
              "label " + GoText.quote(l1) + " must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType.SCALAR && lt != ValueType.VECTOR) {
      throw error(
          n.lhs().position().start(),
          "binary expression must contain only scalar and instant vector types");
    }
    if (rt != ValueType.SCALAR && rt != ValueType.VECTOR) {
      throw error(
          n.rhs().position().start(),
          "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType.VECTOR || rt != ValueType.VECTOR) {
      if (!vm.matchingLabels().isEmpty()) {
        throw error(n.position().start(), "vector matching only allowed between instant vectors");
      }
    } else if (op.isSetOperator()) {
      if (vm.card() == Cardinality.ONE_TO_MANY || vm.card() == Cardinality.MANY_TO_ONE) {
        throw error(
            n.position().start(),
            "no grouping allowed for " + GoText.quote(op.text()) + " operation");
      }
      if (vm.card() != Cardinality.MANY_TO_MANY) {
        throw error(n.position().start(), "set operations must always be many-to-many");
      }
    }
    if ((lt == ValueType.SCALAR || rt == ValueType.SCALAR) && op.isSetOperator()) {
      throw error(
          n.position().start(),
          "set operator " + GoText.quote(op.text()) + " not allowed in binary scalar expression");
    }
  }

  /** The operator's position: the first non-space after the left operand. */
  private int operatorPos(BinaryExpr n) {
    int p = n.lhs().position().end();
    while (p < input.length() && PromqlLexer.isSpace(input.charAt(p))) {
      p++;
    }
    return p;
  }
}
