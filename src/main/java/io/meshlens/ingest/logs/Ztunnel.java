package io.meshlens.ingest.logs;

import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.Direction;
import io.meshlens.ingest.decode.FailureReason;
import io.meshlens.ingest.decode.UpstreamCluster;

/**
 * Istio ambient ztunnel's L4 access log line: {@code <time>\tinfo\taccess\tconnection
 * complete\tsrc.addr=10.244.0.16:52008 src.workload=productpage-v1-... dst.service=reviews... ...
 * direction="outbound" bytes_sent=200 bytes_recv=603 duration="2ms"}.
 *
 * <p>Mapped onto the access log record where the meaning is the same: {@code src.addr} as the
 * downstream remote address, {@code dst.addr} as the upstream host, {@code dst.service} as the
 * destination (port from {@code dst.hbone_addr}, the service's own port; 15008 is the HBONE
 * tunnel), {@code direction}, byte counts and duration. The time is when ztunnel logged the
 * connection, at its end. Every key=value pair (the peers' workload, namespace and identity
 * included) is also kept in {@link AccessLogRecord#extra()}.
 */
final class Ztunnel {

  /** The HBONE tunnel port: a destination address on it says nothing about the service port. */
  private static final int HBONE_PORT = 15008;

  private Ztunnel() {}

  static DecodeResult<AccessLogRecord> parse(
      String line, int from, int tsEnd, int to, Source source) {
    long time = Timestamps.parseMillis(line, from, tsEnd);
    if (time == Timestamps.INVALID) {
      return DecodeResult.failed(
          FailureReason.INVALID_TIMESTAMP,
          "ztunnel time \"" + line.substring(from, tsEnd) + "\" is not RFC 3339");
    }
    // <time> TAB <level> TAB <target> TAB <message> TAB <fields>
    int levelEnd = line.indexOf('\t', tsEnd + 1);
    int targetEnd = levelEnd < 0 ? -1 : line.indexOf('\t', levelEnd + 1);
    if (targetEnd < 0 || !line.startsWith("access", levelEnd + 1) || targetEnd - levelEnd != 7) {
      return AccessLogLineParser.unsupportedLine(
          "tab-separated log line that is not a ztunnel access line", line, from, to);
    }
    int messageEnd = line.indexOf('\t', targetEnd + 1);
    if (messageEnd < 0 || messageEnd > to) {
      messageEnd = to;
    }
    AccessLogLineParser.Builder b = new AccessLogLineParser.Builder();
    b.format = AccessLogFormat.ZTUNNEL;
    b.start = time;
    b.extra("level", line.substring(tsEnd + 1, levelEnd));
    b.extra("message", line.substring(targetEnd + 1, messageEnd));
    String dstService = "";
    String hboneAddr = "";
    String dstAddr = "";
    Direction direction = Direction.UNKNOWN;
    int pos = messageEnd;
    while (pos < to) {
      while (pos < to && (line.charAt(pos) == ' ' || line.charAt(pos) == '\t')) {
        pos++;
      }
      if (pos >= to) {
        break;
      }
      int eq = line.indexOf('=', pos);
      if (eq < 0 || eq >= to) {
        return AccessLogLineParser.unsupportedLine("ztunnel field without '='", line, from, to);
      }
      String key = line.substring(pos, eq);
      String value;
      if (eq + 1 < to && line.charAt(eq + 1) == '"') {
        StringBuilder sb = new StringBuilder();
        int i = eq + 2;
        while (i < to && line.charAt(i) != '"') {
          char c = line.charAt(i);
          if (c == '\\' && i + 1 < to) {
            i++;
            c = line.charAt(i);
          }
          sb.append(c);
          i++;
        }
        if (i >= to) {
          return AccessLogLineParser.unsupportedLine(
              "unterminated quoted ztunnel value", line, from, to);
        }
        value = sb.toString();
        pos = i + 1;
      } else {
        int end = eq + 1;
        while (end < to && line.charAt(end) != ' ' && line.charAt(end) != '\t') {
          end++;
        }
        value = line.substring(eq + 1, end);
        pos = end;
      }
      switch (key) {
        case "src.addr" -> b.downstreamRemote = value;
        case "dst.addr" -> {
          dstAddr = value;
          b.upstreamHost = value;
        }
        case "dst.hbone_addr" -> hboneAddr = value;
        case "dst.service" -> dstService = value;
        case "direction" -> direction = Direction.of(value);
        case "bytes_sent" -> b.sent = Math.max(0, number(value));
        case "bytes_recv" -> b.received = Math.max(0, number(value));
        case "duration" -> b.duration = durationMs(value);
        default -> {}
      }
      b.extra(key, value);
    }
    int port = port(hboneAddr);
    if (port == 0) {
      int p = port(dstAddr);
      port = p == HBONE_PORT ? 0 : p;
    }
    b.upstream = UpstreamCluster.ofHost(dstService, direction, port);
    return DecodeResult.ok(b.build(source, line.substring(from, to)));
  }

  private static long number(String s) {
    return AccessLogLineParser.parseNumber(s, 0, s.length());
  }

  /** {@code 2ms}, {@code 1.5s}, {@code 300us}/{@code 300µs}, {@code 1m}: whole milliseconds. */
  static long durationMs(String s) {
    int i = 0;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    if (i == 0) {
      return 0;
    }
    double v;
    try {
      v = Double.parseDouble(s.substring(0, i));
    } catch (NumberFormatException e) {
      return 0;
    }
    double ms =
        switch (s.substring(i)) {
          case "ms" -> v;
          case "s" -> v * 1000;
          case "us", "µs" -> v / 1000;
          case "ns" -> v / 1_000_000;
          case "m" -> v * 60_000;
          default -> 0;
        };
    return (long) ms;
  }

  private static int port(String addr) {
    int colon = addr.lastIndexOf(':');
    return colon < 0 ? 0 : UpstreamCluster.parsePort(addr.substring(colon + 1));
  }
}
