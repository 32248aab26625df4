package io.meshlens.config;

import java.io.IOException;

/**
 * Thrown by a deserializer that validated a value and knows the line it came from; {@link
 * YamlFiles} turns it into a {@link ConfigFileException}. An {@link IOException} because Jackson
 * passes those through unwrapped.
 */
public final class LocatedConfigError extends IOException {

  private final int line;

  public LocatedConfigError(int line, String message) {
    super(message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
