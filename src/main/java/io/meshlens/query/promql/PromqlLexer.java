package io.meshlens.query.promql;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits a PromQL query into tokens. A port of Prometheus' state-machine lexer ({@code
 * promql/parser/lex.go}), because its context rules (keywords are plain identifiers inside braces,
 * durations only inside brackets or after {@code offset}, ...) and its error texts are part of the
 * language users see.
 *
 * <p>The whole input is lexed up front; lexing stops at the first error, which becomes an {@link
 * Type#ERROR} token carrying the message.
 */
final class PromqlLexer {

  /** Token kinds; names follow Prometheus' item types. */
  enum Type {
    EOF,
    ERROR,
    COMMENT,
    IDENTIFIER,
    METRIC_IDENTIFIER,
    NUMBER,
    STRING,
    DURATION,
    LEFT_PAREN,
    RIGHT_PAREN,
    LEFT_BRACE,
    RIGHT_BRACE,
    LEFT_BRACKET,
    RIGHT_BRACKET,
    COMMA,
    EQL,
    COLON,
    // Operators.
    ADD,
    SUB,
    MUL,
    DIV,
    MOD,
    POW,
    EQLC,
    NEQ,
    LTE,
    LSS,
    GTE,
    GTR,
    EQL_REGEX,
    NEQ_REGEX,
    LAND,
    LOR,
    LUNLESS,
    ATAN2,
    AT,
    // Aggregators.
    AVG,
    BOTTOMK,
    COUNT,
    COUNT_VALUES,
    GROUP,
    MAX,
    MIN,
    QUANTILE,
    STDDEV,
    STDVAR,
    SUM,
    TOPK,
    // Keywords.
    BOOL,
    BY,
    GROUP_LEFT,
    GROUP_RIGHT,
    IGNORING,
    OFFSET,
    ON,
    WITHOUT,
    // Preprocessors.
    START,
    END;

    boolean isOperator() {
      return ordinal() >= ADD.ordinal() && ordinal() <= AT.ordinal();
    }

    boolean isAggregator() {
      return ordinal() >= AVG.ordinal() && ordinal() <= TOPK.ordinal();
    }

    boolean isKeyword() {
      return ordinal() >= BOOL.ordinal() && ordinal() <= WITHOUT.ordinal();
    }
  }

  /** One token: its kind, start offset in the input and text (the message for errors). */
  record Token(Type type, int pos, String val) {

    int end() {
      return pos + val.length();
    }

    /** How Prometheus describes the token in "unexpected ..." messages. */
    String describe() {
      if (FIXED_TEXT.containsKey(type) || KEYWORD_TYPES.contains(type)) {
        return text();
      }
      return switch (type) {
        case EOF -> "end of input";
        case ERROR -> "error " + text();
        case IDENTIFIER -> "identifier " + text();
        case METRIC_IDENTIFIER -> "metric identifier " + text();
        case STRING -> "string " + text();
        case NUMBER -> "number " + text();
        case DURATION -> "duration " + text();
        case COMMENT -> "comment " + text();
        default -> type.name() + " " + text();
      };
    }

    /** Prometheus' {@code Item.String()}. */
    private String text() {
      if (type == Type.EOF) {
        return "EOF";
      } else if (type == Type.ERROR) {
        return val;
      } else if (type == Type.IDENTIFIER || type == Type.METRIC_IDENTIFIER) {
        return GoText.quote(val);
      } else if (type.isKeyword()) {
        return "<" + val + ">";
      } else if (type.isOperator()) {
        return "<op:" + val + ">";
      } else if (type.isAggregator()) {
        return "<aggr:" + val + ">";
      } else if (val.codePointCount(0, val.length()) > 10) {
        int cut = val.offsetByCodePoints(0, 10);
        return GoText.quote(val.substring(0, cut)) + "...";
      }
      return GoText.quote(val);
    }
  }

  private static final Map<Type, String> FIXED_TEXT =
      Map.ofEntries(
          Map.entry(Type.LEFT_PAREN, "("),
          Map.entry(Type.RIGHT_PAREN, ")"),
          Map.entry(Type.LEFT_BRACE, "{"),
          Map.entry(Type.RIGHT_BRACE, "}"),
          Map.entry(Type.LEFT_BRACKET, "["),
          Map.entry(Type.RIGHT_BRACKET, "]"),
          Map.entry(Type.COMMA, ","),
          Map.entry(Type.EQL, "="),
          Map.entry(Type.COLON, ":"),
          Map.entry(Type.SUB, "-"),
          Map.entry(Type.ADD, "+"),
          Map.entry(Type.MUL, "*"),
          Map.entry(Type.MOD, "%"),
          Map.entry(Type.DIV, "/"),
          Map.entry(Type.EQLC, "=="),
          Map.entry(Type.NEQ, "!="),
          Map.entry(Type.LTE, "<="),
          Map.entry(Type.LSS, "<"),
          Map.entry(Type.GTE, ">="),
          Map.entry(Type.GTR, ">"),
          Map.entry(Type.EQL_REGEX, "=~"),
          Map.entry(Type.NEQ_REGEX, "!~"),
          Map.entry(Type.POW, "^"));

  /** Words the lexer turns into keyword tokens (outside braces), lower-cased. */
  static final Map<String, Type> KEYWORDS =
      Map.ofEntries(
          Map.entry("and", Type.LAND),
          Map.entry("or", Type.LOR),
          Map.entry("unless", Type.LUNLESS),
          Map.entry("atan2", Type.ATAN2),
          Map.entry("sum", Type.SUM),
          Map.entry("avg", Type.AVG),
          Map.entry("count", Type.COUNT),
          Map.entry("min", Type.MIN),
          Map.entry("max", Type.MAX),
          Map.entry("group", Type.GROUP),
          Map.entry("stddev", Type.STDDEV),
          Map.entry("stdvar", Type.STDVAR),
          Map.entry("topk", Type.TOPK),
          Map.entry("bottomk", Type.BOTTOMK),
          Map.entry("count_values", Type.COUNT_VALUES),
          Map.entry("quantile", Type.QUANTILE),
          Map.entry("offset", Type.OFFSET),
          Map.entry("by", Type.BY),
          Map.entry("without", Type.WITHOUT),
          Map.entry("on", Type.ON),
          Map.entry("ignoring", Type.IGNORING),
          Map.entry("group_left", Type.GROUP_LEFT),
          Map.entry("group_right", Type.GROUP_RIGHT),
          Map.entry("bool", Type.BOOL),
          Map.entry("start", Type.START),
          Map.entry("end", Type.END),
          Map.entry("inf", Type.NUMBER),
          Map.entry("nan", Type.NUMBER));

  /** Types whose description is their text (Prometheus' {@code ItemTypeStr} keys). */
  private static final java.util.Set<Type> KEYWORD_TYPES =
      java.util.EnumSet.of(
          Type.LAND,
          Type.LOR,
          Type.LUNLESS,
          Type.ATAN2,
          Type.SUM,
          Type.AVG,
          Type.COUNT,
          Type.MIN,
          Type.MAX,
          Type.GROUP,
          Type.STDDEV,
          Type.STDVAR,
          Type.TOPK,
          Type.BOTTOMK,
          Type.COUNT_VALUES,
          Type.QUANTILE,
          Type.OFFSET,
          Type.BY,
          Type.WITHOUT,
          Type.ON,
          Type.IGNORING,
          Type.GROUP_LEFT,
          Type.GROUP_RIGHT,
          Type.BOOL,
          Type.START,
          Type.END);

  private static final int EOF = -1;

  private enum State {
    STATEMENTS,
    INSIDE_BRACES,
    STRING,
    RAW_STRING,
    SPACE,
    LINE_COMMENT,
    DURATION,
    NUMBER_OR_DURATION,
    KEYWORD_OR_IDENTIFIER,
    IDENTIFIER,
    ESCAPE,
    DONE
  }

  private final String input;
  private final List<Token> tokens = new ArrayList<>();
  private int pos;
  private int start;
  private int width;
  private int parenDepth;
  private boolean braceOpen;
  private boolean bracketOpen;
  private boolean gotColon;
  private int stringOpen;

  private PromqlLexer(String input) {
    this.input = input;
  }

  /** All tokens of {@code input}, ending with an EOF or ERROR token. */
  static List<Token> lex(String input) {
    PromqlLexer l = new PromqlLexer(input);
    l.run();
    return l.tokens;
  }

  private void run() {
    State state = State.STATEMENTS;
    while (state != State.DONE) {
      state =
          switch (state) {
            case STATEMENTS -> lexStatements();
            case INSIDE_BRACES -> lexInsideBraces();
            case STRING -> lexString();
            case RAW_STRING -> lexRawString();
            case SPACE -> lexSpace();
            case LINE_COMMENT -> lexLineComment();
            case DURATION -> lexDuration();
            case NUMBER_OR_DURATION -> lexNumberOrDuration();
            case KEYWORD_OR_IDENTIFIER -> lexKeywordOrIdentifier();
            case IDENTIFIER -> lexIdentifier();
            case ESCAPE -> lexEscape();
            case DONE -> State.DONE;
          };
    }
  }

  private int next() {
    if (pos >= input.length()) {
      width = 0;
      return EOF;
    }
    int r = input.codePointAt(pos);
    width = Character.charCount(r);
    pos += width;
    return r;
  }

  private int peek() {
    int r = next();
    backup();
    return r;
  }

  private void backup() {
    pos -= width;
  }

  private void emit(Type t) {
    tokens.add(new Token(t, start, input.substring(start, pos)));
    start = pos;
  }

  private void ignore() {
    start = pos;
  }

  private boolean accept(String valid) {
    int r = next();
    if (r != EOF && valid.indexOf(r) >= 0) {
      return true;
    }
    backup();
    return false;
  }

  private void acceptRun(String valid) {
    while (true) {
      int r = next();
      if (r == EOF || valid.indexOf(r) < 0) {
        break;
      }
    }
    backup();
  }

  private State errorf(String message) {
    tokens.add(new Token(Type.ERROR, start, message));
    return State.DONE;
  }

  private State lexStatements() {
    if (braceOpen) {
      return State.INSIDE_BRACES;
    }
    if (input.startsWith("#", pos)) {
      return State.LINE_COMMENT;
    }
    int r = next();
    if (r == EOF) {
      if (parenDepth != 0) {
        return errorf("unclosed left parenthesis");
      } else if (bracketOpen) {
        return errorf("unclosed left bracket");
      }
      emit(Type.EOF);
      return State.DONE;
    } else if (r == ',') {
      emit(Type.COMMA);
    } else if (isSpace(r)) {
      return State.SPACE;
    } else if (r == '*') {
      emit(Type.MUL);
    } else if (r == '/') {
      emit(Type.DIV);
    } else if (r == '%') {
      emit(Type.MOD);
    } else if (r == '+') {
      emit(Type.ADD);
    } else if (r == '-') {
      emit(Type.SUB);
    } else if (r == '^') {
      emit(Type.POW);
    } else if (r == '=') {
      int t = peek();
      if (t == '=') {
        next();
        emit(Type.EQLC);
      } else if (t == '~') {
        return errorf("unexpected character after '=': " + GoText.quoteRune(t));
      } else {
        emit(Type.EQL);
      }
    } else if (r == '!') {
      int t = next();
      if (t == '=') {
        emit(Type.NEQ);
      } else {
        return errorf("unexpected character after '!': " + GoText.quoteRune(t));
      }
    } else if (r == '<') {
      if (peek() == '=') {
        next();
        emit(Type.LTE);
      } else {
        emit(Type.LSS);
      }
    } else if (r == '>') {
      if (peek() == '=') {
        next();
        emit(Type.GTE);
      } else {
        emit(Type.GTR);
      }
    } else if (isDigit(r) || (r == '.' && isDigit(peek()))) {
      backup();
      return State.NUMBER_OR_DURATION;
    } else if (r == '"' || r == '\'') {
      stringOpen = r;
      return State.STRING;
    } else if (r == '`') {
      stringOpen = r;
      return State.RAW_STRING;
    } else if (isAlpha(r) || r == ':') {
      if (!bracketOpen) {
        backup();
        return State.KEYWORD_OR_IDENTIFIER;
      }
      if (gotColon) {
        return errorf("unexpected colon " + GoText.quoteRune(r));
      }
      emit(Type.COLON);
      gotColon = true;
    } else if (r == '(') {
      emit(Type.LEFT_PAREN);
      parenDepth++;
    } else if (r == ')') {
      emit(Type.RIGHT_PAREN);
      parenDepth--;
      if (parenDepth < 0) {
        // Prometheus' lexer overwrites the just emitted token with the error.
        tokens.remove(tokens.size() - 1);
        return errorf("unexpected right parenthesis " + GoText.quoteRune(r));
      }
    } else if (r == '{') {
      emit(Type.LEFT_BRACE);
      braceOpen = true;
      return State.INSIDE_BRACES;
    } else if (r == '[') {
      if (bracketOpen) {
        return errorf("unexpected left bracket " + GoText.quoteRune(r));
      }
      gotColon = false;
      emit(Type.LEFT_BRACKET);
      if (isSpace(peek())) {
        skipSpaces();
      }
      bracketOpen = true;
      return State.DURATION;
    } else if (r == ']') {
      if (!bracketOpen) {
        return errorf("unexpected right bracket " + GoText.quoteRune(r));
      }
      emit(Type.RIGHT_BRACKET);
      bracketOpen = false;
    } else if (r == '@') {
      emit(Type.AT);
    } else {
      return errorf("unexpected character: " + GoText.quoteRune(r));
    }
    return State.STATEMENTS;
  }

  private State lexInsideBraces() {
    if (input.startsWith("#", pos)) {
      return State.LINE_COMMENT;
    }
    int r = next();
    if (r == EOF) {
      return errorf("unexpected end of input inside braces");
    } else if (isSpace(r)) {
      return State.SPACE;
    } else if (isAlpha(r)) {
      backup();
      return State.IDENTIFIER;
    } else if (r == ',') {
      emit(Type.COMMA);
    } else if (r == '"' || r == '\'') {
      stringOpen = r;
      return State.STRING;
    } else if (r == '`') {
      stringOpen = r;
      return State.RAW_STRING;
    } else if (r == '=') {
      if (next() == '~') {
        emit(Type.EQL_REGEX);
      } else {
        backup();
        emit(Type.EQL);
      }
    } else if (r == '!') {
      int nr = next();
      if (nr == '~') {
        emit(Type.NEQ_REGEX);
      } else if (nr == '=') {
        emit(Type.NEQ);
      } else {
        return errorf("unexpected character after '!' inside braces: " + GoText.quoteRune(nr));
      }
    } else if (r == '{') {
      return errorf("unexpected left brace " + GoText.quoteRune(r));
    } else if (r == '}') {
      emit(Type.RIGHT_BRACE);
      braceOpen = false;
      return State.STATEMENTS;
    } else {
      return errorf("unexpected character inside braces: " + GoText.quoteRune(r));
    }
    return State.INSIDE_BRACES;
  }

  /** Validates an escape sequence; the backslash has been read. */
  private State lexEscape() {
    int n;
    int base;
    long max;
    int ch = next();
    switch (ch) {
      case 'a', 'b', 'f', 'n', 'r', 't', 'v', '\\' -> {
        return State.STRING;
      }
      case '0', '1', '2', '3', '4', '5', '6', '7' -> {
        n = 3;
        base = 8;
        max = 255;
      }
      case 'x' -> {
        ch = next();
        n = 2;
        base = 16;
        max = 255;
      }
      case 'u' -> {
        ch = next();
        n = 4;
        base = 16;
        max = Character.MAX_CODE_POINT;
      }
      case 'U' -> {
        ch = next();
        n = 8;
        base = 16;
        max = Character.MAX_CODE_POINT;
      }
      case EOF -> {
        return errorf("escape sequence not terminated");
      }
      default -> {
        if (ch == stringOpen) {
          return State.STRING;
        }
        return errorf("unknown escape sequence " + GoText.unicodeRune(ch));
      }
    }
    long x = 0;
    while (n > 0) {
      int d = digitVal(ch);
      if (d >= base) {
        if (ch == EOF) {
          return errorf("escape sequence not terminated");
        }
        return errorf("illegal character " + GoText.unicodeRune(ch) + " in escape sequence");
      }
      x = x * base + d;
      n--;
      if (n > 0) {
        ch = next();
      }
    }
    if (x > max || (0xD800 <= x && x < 0xE000)) {
      return errorf("escape sequence is an invalid Unicode code point");
    }
    return State.STRING;
  }

  private static int digitVal(int ch) {
    if ('0' <= ch && ch <= '9') {
      return ch - '0';
    } else if ('a' <= ch && ch <= 'f') {
      return ch - 'a' + 10;
    } else if ('A' <= ch && ch <= 'F') {
      return ch - 'A' + 10;
    }
    return 16;
  }

  private void skipSpaces() {
    while (isSpace(peek())) {
      next();
    }
    ignore();
  }

  private State lexString() {
    while (true) {
      int r = next();
      if (r == '\\') {
        return State.ESCAPE;
      } else if (r == EOF || r == '\n') {
        return errorf("unterminated quoted string");
      } else if (r == stringOpen) {
        break;
      }
    }
    emit(Type.STRING);
    return State.STATEMENTS;
  }

  private State lexRawString() {
    while (true) {
      int r = next();
      if (r == EOF) {
        return errorf("unterminated raw string");
      } else if (r == stringOpen) {
        break;
      }
    }
    emit(Type.STRING);
    return State.STATEMENTS;
  }

  private State lexSpace() {
    while (isSpace(peek())) {
      next();
    }
    ignore();
    return State.STATEMENTS;
  }

  private State lexLineComment() {
    pos += 1;
    int r = next();
    while (!isEndOfLine(r) && r != EOF) {
      r = next();
    }
    backup();
    emit(Type.COMMENT);
    return State.STATEMENTS;
  }

  private State lexDuration() {
    if (scanNumber()) {
      return errorf("missing unit character in duration");
    }
    if (!acceptRemainingDuration()) {
      return errorf("bad duration syntax: " + GoText.quote(input.substring(start, pos)));
    }
    backup();
    emit(Type.DURATION);
    return State.STATEMENTS;
  }

  private State lexNumberOrDuration() {
    if (scanNumber()) {
      emit(Type.NUMBER);
      return State.STATEMENTS;
    }
    if (acceptRemainingDuration()) {
      backup();
      emit(Type.DURATION);
      return State.STATEMENTS;
    }
    return errorf("bad number or duration syntax: " + GoText.quote(input.substring(start, pos)));
  }

  private boolean acceptRemainingDuration() {
    if (!accept("smhdwy")) {
      return false;
    }
    // "ms"; impossible units such as "hs" are rejected when the duration is parsed.
    accept("s");
    while (accept("0123456789")) {
      while (accept("0123456789")) {
        // consume
      }
      // "y" may only come first.
      if (!accept("smhdw")) {
        return false;
      }
      accept("s");
    }
    return !isAlphaNumeric(next());
  }

  /** Scans a number; false when it runs into letters (it may be a duration). */
  private boolean scanNumber() {
    String digits = "0123456789";
    if (accept("0") && accept("xX")) {
      digits = "0123456789abcdefABCDEF";
    }
    acceptRun(digits);
    if (accept(".")) {
      acceptRun(digits);
    }
    if (accept("eE")) {
      accept("+-");
      acceptRun("0123456789");
    }
    return !isAlphaNumeric(peek());
  }

  private State lexIdentifier() {
    while (isAlphaNumeric(next())) {
      // absorb
    }
    backup();
    emit(Type.IDENTIFIER);
    return State.STATEMENTS;
  }

  private State lexKeywordOrIdentifier() {
    while (true) {
      int r = next();
      if (isAlphaNumeric(r) || r == ':') {
        continue;
      }
      backup();
      String word = input.substring(start, pos);
      Type kw = KEYWORDS.get(word.toLowerCase(Locale.ROOT));
      if (kw != null) {
        emit(kw);
      } else if (word.indexOf(':') < 0) {
        emit(Type.IDENTIFIER);
      } else {
        emit(Type.METRIC_IDENTIFIER);
      }
      return State.STATEMENTS;
    }
  }

  static boolean isSpace(int r) {
    return r == ' ' || r == '\t' || r == '\n' || r == '\r';
  }

  private static boolean isEndOfLine(int r) {
    return r == '\r' || r == '\n';
  }

  static boolean isAlphaNumeric(int r) {
    return isAlpha(r) || isDigit(r);
  }

  static boolean isDigit(int r) {
    return '0' <= r && r <= '9';
  }

  static boolean isAlpha(int r) {
    return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z');
  }

  /** Whether {@code s} is a valid label name ({@code [a-zA-Z_][a-zA-Z0-9_]*}). */
  static boolean isLabel(String s) {
    if (s.isEmpty() || !isAlpha(s.charAt(0))) {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (!isAlphaNumeric(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
