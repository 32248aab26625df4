package io.meshlens.access;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.meshlens.config.LocatedConfigError;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The tokens file ({@code meshlens.tokens-file}): bearer tokens stored as SHA-256 hashes, never in
 * clear.
 *
 * <pre>{@code
 * tokens:
 *   - subject: alice
 *     sha256: 5e88...   # hex SHA-256 of the bearer token
 *     tenants: [payments]
 *     roles: [tenant]   # tenant or sre
 * }</pre>
 */
public record TokensFile(List<TokenSpec> tokens) {

  @JsonCreator
  public TokensFile(@JsonProperty("tokens") List<TokenSpec> tokens) {
    this.tokens = tokens == null ? List.of() : List.copyOf(tokens);
  }

  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

  /** One token; {@code line} is where it starts in the file. */
  @JsonDeserialize(using = TokenSpec.Reader.class)
  public record TokenSpec(
      String subject, String sha256, Set<String> tenants, Set<Role> roles, int line) {

    public TokenSpec {
      if (subject == null || subject.isBlank()) {
        throw new IllegalArgumentException("token without a subject");
      }
      if (sha256 == null || !SHA256_HEX.matcher(sha256.toLowerCase(Locale.ROOT)).matches()) {
        throw new IllegalArgumentException(
            "token of '" + subject + "': sha256 must be 64 hex digits (the SHA-256 of the token)");
      }
      sha256 = sha256.toLowerCase(Locale.ROOT);
      tenants = tenants == null ? Set.of() : Set.copyOf(tenants);
      roles = roles == null || roles.isEmpty() ? Set.of(Role.TENANT) : Set.copyOf(roles);
      if (!roles.contains(Role.SRE) && tenants.isEmpty()) {
        throw new IllegalArgumentException(
            "token of '" + subject + "' has role tenant but no tenants");
      }
    }

    static final class Reader extends JsonDeserializer<TokenSpec> {
      @Override
      public TokenSpec deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        int line = p.currentTokenLocation().getLineNr();
        Raw raw = ctxt.readValue(p, Raw.class);
        try {
          return new TokenSpec(raw.subject, raw.sha256, raw.tenants, raw.roles, line);
        } catch (IllegalArgumentException e) {
          throw new LocatedConfigError(line, e.getMessage());
        }
      }
    }

    record Raw(
        @JsonProperty("subject") String subject,
        @JsonProperty("sha256") String sha256,
        @JsonProperty("tenants") Set<String> tenants,
        @JsonProperty("roles") Set<Role> roles) {}
  }
}
