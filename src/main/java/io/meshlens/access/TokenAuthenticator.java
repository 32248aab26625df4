package io.meshlens.access;

import io.meshlens.access.TokensFile.TokenSpec;
import io.meshlens.config.ConfigFileException;
import io.meshlens.config.YamlFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves bearer tokens against the tokens file. Only SHA-256 hashes are held: the presented token
 * is hashed and looked up, so the file and memory never contain a usable secret.
 */
public final class TokenAuthenticator {

  private final Map<String, Identity> byHash;

  private TokenAuthenticator(Map<String, Identity> byHash) {
    this.byHash = Map.copyOf(byHash);
  }

  public static TokenAuthenticator load(Path file) {
    TokensFile tf = YamlFiles.read(file, TokensFile.class);
    Map<String, Identity> byHash = new HashMap<>();
    Map<String, Integer> lines = new HashMap<>();
    for (TokenSpec t : tf.tokens()) {
      Integer before = lines.putIfAbsent(t.sha256(), t.line());
      if (before != null) {
        throw new ConfigFileException(
            file, t.line(), "the same token hash is already used at line " + before);
      }
      byHash.put(t.sha256(), new Identity(t.subject(), t.tenants(), t.roles()));
    }
    return new TokenAuthenticator(byHash);
  }

  /** The identity of a bearer token, or empty when the token is unknown. */
  public Optional<Identity> authenticate(String bearerToken) {
    return Optional.ofNullable(byHash.get(sha256Hex(bearerToken)));
  }

  public static String sha256Hex(String token) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every JVM", e);
    }
  }
}
