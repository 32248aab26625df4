package io.meshlens.simulator;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * OTLP/JSON as the OpenTelemetry Collector writes it: lowerCamelCase field names, enums as
 * integers, 64-bit integers as strings, and trace/span ids as hex strings.
 *
 * <p>protobuf's stock {@link JsonFormat} writes {@code bytes} fields as base64, which OTLP/JSON
 * forbids for {@code traceId}, {@code spanId} and {@code parentSpanId} (in spans, links, log
 * records and exemplars); this class converts those fields both ways and leaves everything else
 * exactly as JsonFormat wrote it.
 */
public final class OtlpJson {

  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace().printingEnumsAsInts();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final Pattern ID_FIELD =
      Pattern.compile("\"(traceId|spanId|parentSpanId)\"\\s*:\\s*\"([0-9A-Za-z+/=_-]*)\"");

  private OtlpJson() {}

  /** The OTLP/JSON form of an OTLP message (usually an Export*ServiceRequest). */
  public static String print(MessageOrBuilder message) {
    try {
      return convertIds(PRINTER.print(message), true);
    } catch (InvalidProtocolBufferException e) {
      // Only thrown for Any fields with unknown types, which OTLP messages do not have.
      throw new IllegalArgumentException("cannot print " + message.getClass().getName(), e);
    }
  }

  /** Reads OTLP/JSON (hex ids) into a builder. */
  public static <B extends Message.Builder> B merge(String json, B builder)
      throws InvalidProtocolBufferException {
    PARSER.merge(convertIds(json, false), builder);
    return builder;
  }

  public static ExportMetricsServiceRequest parseMetrics(String json)
      throws InvalidProtocolBufferException {
    return merge(json, ExportMetricsServiceRequest.newBuilder()).build();
  }

  public static ExportTraceServiceRequest parseTraces(String json)
      throws InvalidProtocolBufferException {
    return merge(json, ExportTraceServiceRequest.newBuilder()).build();
  }

  public static ExportLogsServiceRequest parseLogs(String json)
      throws InvalidProtocolBufferException {
    return merge(json, ExportLogsServiceRequest.newBuilder()).build();
  }

  /**
   * Rewrites the values of the id fields, base64 to hex ({@code toHex}) or back. A raw quote cannot
   * occur inside a JSON string (it is escaped there), so a match of {@code "traceId" : "...."} is
   * always an object key with its value, and OTLP object keys are field names.
   */
  private static String convertIds(String json, boolean toHex) {
    Matcher m = ID_FIELD.matcher(json);
    if (!m.find()) {
      return json;
    }
    StringBuilder out = new StringBuilder(json.length() + json.length() / 8);
    int copied = 0;
    do {
      String value = m.group(2);
      String converted =
          toHex
              ? Ids.hex(Base64.getDecoder().decode(value))
              : Base64.getEncoder().encodeToString(hexOrEmpty(value));
      out.append(json, copied, m.start(2)).append(converted);
      copied = m.end(2);
    } while (m.find());
    return out.append(json, copied, json.length()).toString();
  }

  private static byte[] hexOrEmpty(String s) {
    return s.isEmpty() ? ByteString.EMPTY.toByteArray() : Ids.unhex(s);
  }
}
