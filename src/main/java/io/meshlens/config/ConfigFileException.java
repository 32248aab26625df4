package io.meshlens.config;

import java.nio.file.Path;

/**
 * A configuration file that cannot be used, with the file, the line (1-based, 0 when unknown) and
 * the reason. Its message reads like a compiler error: {@code config/tenants.yaml:12: reason}.
 */
public final class ConfigFileException extends RuntimeException {

  private final Path file;
  private final int line;
  private final String reason;

  public ConfigFileException(Path file, int line, String reason, Throwable cause) {
    super(file + (line > 0 ? ":" + line : "") + ": " + reason, cause);
    this.file = file;
    this.line = line;
    this.reason = reason;
  }

  public ConfigFileException(Path file, int line, String reason) {
    this(file, line, reason, null);
  }

  public Path file() {
    return file;
  }

  public int line() {
    return line;
  }

  public String reason() {
    return reason;
  }
}
