package io.meshlens.store.spans;

/**
 * One trace found by a search: enough for a result list, the full trace comes from {@link
 * SpanStore#trace}.
 *
 * @param traceId the trace
 * @param first the root span, else the earliest span of the trace; marked {@link
 *     StoredSpan#foreign} when the reader may not see its attributes
 * @param startMicros earliest span start
 * @param durationMicros latest span end minus earliest span start, over all spans of the trace
 * @param spanCount spans stored for the trace
 */
public record TraceSummary(
    String traceId, StoredSpan first, long startMicros, long durationMicros, int spanCount) {}
