package io.meshlens.store;

/** A store read failed for a reason other than the query (e.g. the disk). */
public final class StoreReadException extends RuntimeException {

  public StoreReadException(String message, Throwable cause) {
    super(message, cause);
  }
}
