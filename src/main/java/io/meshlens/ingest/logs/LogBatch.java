package io.meshlens.ingest.logs;

import java.util.List;

/**
 * The records of one OTLP logs message, split by kind because they are stored apart: access logs
 * get typed columns and feed the traffic views, other logs only full-text search.
 *
 * @param accessLogs records whose body is an Istio/Envoy access log line, in message order
 * @param logLines all other records, in message order
 */
public record LogBatch(List<AccessLogRecord> accessLogs, List<LogLine> logLines) {

  public LogBatch {
    accessLogs = List.copyOf(accessLogs);
    logLines = List.copyOf(logLines);
  }

  /** Number of records of both kinds. */
  public int size() {
    return accessLogs.size() + logLines.size();
  }
}
