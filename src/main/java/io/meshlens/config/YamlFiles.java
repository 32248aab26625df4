package io.meshlens.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Reads an operator-written YAML file into a typed value, turning every problem into a {@link
 * ConfigFileException} that names the file, the line and the reason. Unknown keys are errors: a
 * misspelt key silently ignored is a tenant silently exposed.
 */
public final class YamlFiles {

  private static final ObjectMapper MAPPER =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);

  private YamlFiles() {}

  /** Reads and validates {@code file}; every failure is a {@link ConfigFileException}. */
  public static <T> T read(Path file, Class<T> type) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new ConfigFileException(file, 0, "file not found", e);
    } catch (IOException e) {
      throw new ConfigFileException(file, 0, "cannot read: " + e.getMessage(), e);
    }
    try {
      T value = MAPPER.readValue(bytes, type);
      if (value == null) {
        throw new ConfigFileException(file, 0, "file is empty");
      }
      return value;
    } catch (ConfigFileException e) {
      throw e;
    } catch (LocatedConfigError e) {
      throw new ConfigFileException(file, e.line(), e.getMessage(), e);
    } catch (JsonProcessingException e) {
      // Validation errors thrown by our own deserializers arrive wrapped by Jackson.
      for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
        if (c instanceof LocatedConfigError located) {
          throw new ConfigFileException(file, located.line(), located.getMessage(), e);
        }
      }
      int line = lineOf(e.getLocation());
      if (e instanceof UnrecognizedPropertyException u) {
        line = keyLine(bytes, u.getPropertyName(), line);
      }
      throw new ConfigFileException(file, line, reasonOf(e), e);
    } catch (IOException e) {
      throw new ConfigFileException(file, 0, "cannot read: " + e.getMessage(), e);
    }
  }

  /**
   * The line of {@code key:} at or before {@code reportedLine}: the YAML parser reports an unknown
   * key's location after its value, which may be lines later.
   */
  private static int keyLine(byte[] bytes, String key, int reportedLine) {
    String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n", -1);
    Pattern p = Pattern.compile("^\\s*(-\\s+)?[\"']?" + Pattern.quote(key) + "[\"']?\\s*:.*");
    for (int i = Math.min(reportedLine, lines.length) - 1; i >= 0; i--) {
      if (p.matcher(lines[i]).matches()) {
        return i + 1;
      }
    }
    return reportedLine;
  }

  private static int lineOf(JsonLocation location) {
    return location == null ? 0 : location.getLineNr();
  }

  private static String reasonOf(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown key '" + u.getPropertyName() + "' (known: " + u.getKnownPropertyIds() + ")";
    }
    // A validation error thrown by a value's constructor carries our own clear message.
    Throwable cause = e.getCause();
    if (cause instanceof IllegalArgumentException iae) {
      return iae.getMessage();
    }
    String msg = e.getOriginalMessage();
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      msg = msg + " (at " + m.getPathReference().replace("java.lang.Object", "") + ")";
    }
    return msg;
  }
}
