package io.meshlens.store.logs;

/**
 * How many log entries with one field value started in one step of a count query.
 *
 * @param stepStartMs start of the step, epoch milliseconds
 * @param value the field value as text (e.g. {@code "503"} for a response code)
 * @param count entries in the step with that value
 */
public record CountPoint(long stepStartMs, String value, long count) {}
