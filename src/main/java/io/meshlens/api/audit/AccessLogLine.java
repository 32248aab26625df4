package io.meshlens.api.audit;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One line per data query for the {@code io.meshlens.access.log} category, as {@code key=value}
 * pairs: {@code subject}, {@code tenants}, {@code api}, {@code endpoint}, {@code status}, {@code
 * duration_ms} and, for a refused query, {@code reason}. It never holds credentials: the caller is
 * named by its subject only.
 *
 * <pre>{@code
 * subject=shop-team tenants=shop api=prometheus endpoint="GET /api/v1/query" status=200 duration_ms=4
 * subject=- tenants=- api=loki endpoint="GET /loki/api/v1/labels" status=401 duration_ms=0 reason=unauthenticated
 * }</pre>
 */
public final class AccessLogLine {

  private AccessLogLine() {}

  /**
   * @param subject the authenticated subject, null when the request was not authenticated
   * @param tenants the scope's tenants, null for the whole mesh ({@code *}), empty for none ({@code
   *     -})
   * @param denial why the query was refused, null when it was not
   */
  public static String format(
      String subject,
      Set<String> tenants,
      String api,
      String endpoint,
      int status,
      long durationMs,
      Denial denial) {
    StringBuilder b = new StringBuilder(128);
    pair(b, "subject", subject == null ? "-" : subject);
    pair(b, "tenants", tenants == null ? "*" : tenants.isEmpty() ? "-" : join(tenants));
    pair(b, "api", api);
    pair(b, "endpoint", endpoint);
    pair(b, "status", Integer.toString(status));
    pair(b, "duration_ms", Long.toString(durationMs));
    if (denial != null) {
      pair(b, "reason", denial.label());
    }
    return b.toString();
  }

  private static String join(Set<String> tenants) {
    return String.join("|", new TreeSet<>(tenants));
  }

  private static void pair(StringBuilder b, String key, String value) {
    if (b.length() > 0) {
      b.append(' ');
    }
    b.append(key).append('=');
    if (!value.isEmpty() && value.chars().allMatch(AccessLogLine::plain)) {
      b.append(value);
      return;
    }
    b.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        // A subject or tenant name cannot forge a second line.
        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    b.append('"');
  }

  private static boolean plain(int c) {
    return c > 0x20 && c < 0x7f && c != '"' && c != '=' && c != '\\';
  }
}
