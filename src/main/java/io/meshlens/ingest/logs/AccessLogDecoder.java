package io.meshlens.ingest.logs;

import io.meshlens.ingest.decode.DecodeFailure;
import io.meshlens.ingest.decode.DecodeResult;
import io.meshlens.ingest.decode.DecoderLimits;
import io.meshlens.ingest.decode.FailureReason;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Decodes one message of the access-log topic, where log forwarders put the Envoy access log lines
 * of Istio proxies, into {@link AccessLogRecord}s.
 *
 * <p>A message holds one line or several (separated by line breaks; a single pretty-printed JSON
 * object is also accepted), each in one of these forms:
 *
 * <ul>
 *   <li>an Istio JSON access log line, typed (numbers, {@code null}) or the older all-strings style
 *       with {@code "-"} for absent values;
 *   <li>an Istio TEXT line in the default format (also the Istio 1.3-1.8 and Envoy default
 *       variants), with or without the timestamp prefix {@code kubectl logs --timestamps} adds (or
 *       a container runtime log file's {@code <time> stdout F });
 *   <li>either of those wrapped by a log forwarder: {@code {"log": "<line>", "kubernetes":
 *       {"namespace_name", "pod_name", "container_name", "labels"}, "time": ...}} (Fluent Bit;
 *       Vector's {@code message}/{@code pod_namespace} also work), whose metadata names the proxy;
 *   <li>ztunnel's L4 access line ({@code <time>\tinfo\taccess\tconnection complete\t...}).
 * </ul>
 *
 * <p>The proxy's cluster comes from the forwarder record ({@code cluster}, {@code cluster_name} or
 * {@code kubernetes.cluster_name}) when it has one, else from the caller's {@code clusterHint}
 * (e.g. a Kafka header or the topic name), else stays {@code ""}.
 *
 * <p>Never throws on bad input. Bad lines are left out and listed in {@link
 * DecodeResult#rejected()} with their line index and reason ({@code decode_error}, {@code
 * wrong_shape}, {@code unsupported_format}, {@code invalid_timestamp}, {@code oversized}); the
 * message fails when no line is good, or with {@code empty}, {@code oversized} or {@code
 * unknown_encoding} as a whole. Stateless and thread-safe.
 */
public final class AccessLogDecoder {

  private final DecoderLimits limits;

  public AccessLogDecoder() {
    this(DecoderLimits.DEFAULT);
  }

  public AccessLogDecoder(DecoderLimits limits) {
    this.limits = Objects.requireNonNull(limits, "limits");
  }

  /** Decodes a message without cluster hint. */
  public DecodeResult<List<AccessLogRecord>> decode(byte[] message) {
    return decode(message, "");
  }

  /**
   * Decodes the value of one Kafka message.
   *
   * @param clusterHint the cluster the caller knows the message came from (Kafka header, topic
   *     pattern), used when the record itself does not name one; {@code null} or {@code ""} for
   *     none
   */
  public DecodeResult<List<AccessLogRecord>> decode(byte[] message, String clusterHint) {
    DecodeFailure bad = limits.check(message);
    if (bad != null) {
      return DecodeResult.failed(bad);
    }
    String text = new String(message, StandardCharsets.UTF_8);
    Source source = Source.hint(clusterHint);
    int firstBreak = text.indexOf('\n');
    int end = AccessLogLineParser.trimEnd(text);
    if (firstBreak < 0 || firstBreak >= end) {
      // The common case: one line per message.
      DecodeResult<AccessLogRecord> r = line(text, source, 0);
      return r.isOk() ? DecodeResult.ok(List.of(r.value())) : r.asFailure();
    }
    if (isPrettyPrintedJson(text, firstBreak)) {
      DecodeResult<AccessLogRecord> r = line(text.replace('\n', ' ').replace('\r', ' '), source, 0);
      return r.isOk() ? DecodeResult.ok(List.of(r.value())) : r.asFailure();
    }
    List<AccessLogRecord> out = new ArrayList<>();
    List<DecodeFailure> rejected = List.of();
    int lines = 0;
    int index = 0;
    int pos = 0;
    while (pos < end) {
      int nl = text.indexOf('\n', pos);
      if (nl < 0) {
        nl = text.length();
      }
      String line = text.substring(pos, nl);
      pos = nl + 1;
      if (!line.isBlank()) {
        lines++;
        DecodeResult<AccessLogRecord> r = line(line, source, index);
        if (r.isOk()) {
          out.add(r.value());
        } else {
          if (rejected.isEmpty()) {
            rejected = new ArrayList<>();
          }
          rejected.add(AccessLogLineParser.at(r.failure(), index));
        }
      }
      index++;
    }
    if (lines == 0) {
      return DecodeResult.failed(FailureReason.EMPTY, "message holds only blank lines");
    }
    if (out.isEmpty()) {
      DecodeFailure first = rejected.get(0);
      return DecodeResult.failed(
          DecodeFailure.of(first.reason(), "all " + lines + " lines rejected; first: " + first));
    }
    return DecodeResult.ok(out, rejected);
  }

  private DecodeResult<AccessLogRecord> line(String line, Source source, int index) {
    if (line.length() > limits.maxLineBytes()) {
      return DecodeResult.failed(
          new DecodeFailure(
              FailureReason.OVERSIZED,
              "line of "
                  + line.length()
                  + " characters exceeds the limit of "
                  + limits.maxLineBytes(),
              index));
    }
    if (line.isBlank()) {
      return DecodeResult.failed(FailureReason.EMPTY, "blank message");
    }
    return AccessLogLineParser.parse(line, source);
  }

  /**
   * One JSON object over several lines: the first line opens an object it does not close (JSON
   * lines, one object per line, end their first line with <code>}</code>).
   */
  private static boolean isPrettyPrintedJson(String text, int firstBreak) {
    int start = AccessLogLineParser.skipBlanks(text, 0);
    if (start >= firstBreak || text.charAt(start) != '{') {
      return false;
    }
    int e = firstBreak;
    while (e > start && Character.isWhitespace(text.charAt(e - 1))) {
      e--;
    }
    return text.charAt(e - 1) != '}';
  }
}
