package io.meshlens.testdata;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the real telemetry samples of {@code shared/data/real/} (see its PROVENANCE.md), which sit
 * beside the repository: {@code ../shared/data/real} from the working directory of a build, with
 * {@code /work/shared/data/real} as the fallback for a build run from a copy elsewhere.
 */
public final class RealData {

  private static final List<Path> ROOTS =
      List.of(Path.of("../shared/data/real"), Path.of("/work/shared/data/real"));

  private RealData() {}

  public static Path path(String file) {
    for (Path root : ROOTS) {
      Path candidate = root.resolve(file);
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException("real data file " + file + " not found under " + ROOTS);
  }

  public static String read(String file) {
    try {
      return Files.readString(path(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] bytes(String file) {
    try {
      return Files.readAllBytes(path(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
