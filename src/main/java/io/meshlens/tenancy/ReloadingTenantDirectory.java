package io.meshlens.tenancy;

import io.meshlens.config.ConfigFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The tenants file, re-read when its modification time moves. A new file that fails validation
 * leaves the previous directory in use; {@link #lastError()} says why. The first load fails hard:
 * Meshlens must not start on a bad file.
 */
public final class ReloadingTenantDirectory implements Supplier<TenantDirectory> {

  private final Path file;
  private volatile TenantDirectory current;
  private volatile FileTime loadedMtime;
  private volatile ConfigFileException lastError;
  private long failedReloads;

  /**
   * @throws ConfigFileException when the file is missing or invalid
   */
  public ReloadingTenantDirectory(Path file) {
    this.file = Objects.requireNonNull(file);
    this.loadedMtime = mtime(file);
    this.current = TenantDirectory.load(file);
  }

  /** What a {@link #reloadIfChanged()} did. */
  public enum Outcome {
    UNCHANGED,
    RELOADED,
    /** The file changed but is invalid: the previous directory stays; see {@link #lastError()}. */
    REJECTED
  }

  /** Reloads when the file's modification time moved. */
  public synchronized Outcome reloadIfChanged() {
    FileTime now = mtime(file);
    if (now == null || now.equals(loadedMtime)) {
      return Outcome.UNCHANGED;
    }
    loadedMtime = now;
    try {
      current = TenantDirectory.load(file);
      lastError = null;
      return Outcome.RELOADED;
    } catch (ConfigFileException e) {
      lastError = e;
      failedReloads++;
      return Outcome.REJECTED;
    }
  }

  @Override
  public TenantDirectory get() {
    return current;
  }

  /** Why the latest change of the file was not taken, if it was not. */
  public Optional<ConfigFileException> lastError() {
    return Optional.ofNullable(lastError);
  }

  public synchronized long failedReloads() {
    return failedReloads;
  }

  public Path file() {
    return file;
  }

  private static FileTime mtime(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }
}
