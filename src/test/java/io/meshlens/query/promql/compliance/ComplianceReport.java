package io.meshlens.query.promql.compliance;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes {@code docs/promql-compliance.md}. The file is rewritten only when something other than
 * its date changed, so a build that finds the same results leaves the working tree clean.
 */
final class ComplianceReport {

  /** What one run found. */
  record Run(
      LocalDate date,
      String prometheusVersion,
      ComplianceDataset data,
      int queries,
      int instantOnly,
      int evaluations,
      long points,
      int passed,
      Map<String, String> differences,
      Map<String, String> known,
      List<String> unexplained) {}

  private static final String DATE_PREFIX = "Generated on ";

  private ComplianceReport() {}

  static void write(Path file, Run run) throws IOException {
    if (!Files.isDirectory(file.getParent())) {
      return;
    }
    String text = render(run);
    if (Files.exists(file)) {
      String old = Files.readString(file, StandardCharsets.UTF_8);
      if (withoutDate(old).equals(withoutDate(text))) {
        return;
      }
    }
    Files.writeString(file, text, StandardCharsets.UTF_8);
  }

  private static String withoutDate(String text) {
    return text.replaceAll("(?m)^" + DATE_PREFIX + ".*$", "");
  }

  static String render(Run r) {
    StringBuilder b = new StringBuilder();
    double score = 100.0 * r.passed() / r.queries();
    b.append("# PromQL compliance: Meshlens against Prometheus 2.42\n\n");
    b.append(
        "<!-- Written by PrometheusComplianceTest (part of `./mvnw verify`); do not edit by hand."
            + " -->\n\n");
    b.append(DATE_PREFIX)
        .append(r.date())
        .append(
            " by `src/test/java/io/meshlens/query/promql/compliance/PrometheusComplianceTest.java`.\n\n");
    b.append("| | |\n|---|---|\n");
    b.append("| machine | ")
        .append(System.getProperty("os.name"))
        .append(' ')
        .append(System.getProperty("os.arch"))
        .append(", ")
        .append(Runtime.getRuntime().availableProcessors())
        .append(" cores, Java ")
        .append(Runtime.version().feature())
        .append(" |\n");
    b.append("| reference | Prometheus ")
        .append(r.prometheusVersion())
        .append(" (Debian package `prometheus`) |\n");
    b.append("| data | ")
        .append(r.data().series().size())
        .append(" series, ")
        .append(String.format(Locale.ROOT, "%,d", r.data().sampleCount()))
        .append(" samples, 3 h of 15 s scrapes from ")
        .append(PrometheusReference.seconds(ComplianceDataset.START_MS))
        .append(" (`ComplianceDataset`) |\n");
    b.append("| queries | ")
        .append(r.queries())
        .append(" (`src/test/resources/promql/compliance/test-queries.txt` expanded), each as ")
        .append(PrometheusComplianceTest.INSTANTS.length)
        .append(" instant and ")
        .append(PrometheusComplianceTest.RANGES.length)
        .append(" range queries (")
        .append(r.instantOnly())
        .append(" as instant queries only, see below): ")
        .append(r.evaluations())
        .append(" evaluations, ")
        .append(String.format(Locale.ROOT, "%,d", r.points()))
        .append(" values compared |\n");
    b.append("| identical | ")
        .append(r.passed())
        .append(" of ")
        .append(r.queries())
        .append(" queries |\n");
    b.append(
        String.format(
            Locale.ROOT,
            "| **score** | **%.2f%%** (required: %.0f%%) |%n",
            score,
            100 * PrometheusComplianceTest.MIN_SCORE));
    b.append(
        "\n## How it compares\n\n"
            + "The data is written as OpenMetrics text, turned into a TSDB block with `promtool tsdb"
            + " create-blocks-from openmetrics` and served by `prometheus` on a free loopback port;"
            + " the same samples go into an in-memory `MetricStore`, queried with"
            + " `PromqlEngine` under `Scope.everything()`. The queries follow"
            + " prometheus/compliance's `promql/promql-test-queries.yml` (same templates, same"
            + " variant values, same metric names), plus queries for what it does not cover: raw"
            + " range selectors (the data must be identical), `@`, negative offsets, counter"
            + " resets, churning series, NaN and infinite gauges, histograms aggregated by `le`,"
            + " set operators, `group_left`/`group_right`, many-to-many errors, `count_values`,"
            + " subqueries, `label_join`, sorting and date functions.\n\n"
            + "Each query is evaluated as instant queries at "
            + times()
            + " and as range queries "
            + ranges()
            + ". A query is identical when every evaluation is: same result type or same error"
            + " type and message, same label sets, same timestamps, values within a relative "
            + BigDecimal.valueOf(Outcome.RELATIVE_TOLERANCE)
                .stripTrailingZeros()
                .toString()
                .toLowerCase(Locale.ROOT)
            + " (the compliance tester allows 1e-5), NaN equal to NaN; instant vectors in the"
            + " same order when the query ends in `sort`, `sort_desc`, `topk` or `bottomk`, as"
            + " sets otherwise.\n\n"
            + "The test fails when the score is below the required one, when a query differs that"
            + " is not listed below, or when a listed one stops differing.\n");
    b.append(
        "\nQueries marked `INSTANT` pick among equal values (ties in `topk`/`bottomk`, the pair of"
            + " series a many-to-many error names) from a nested expression. In range queries"
            + " Prometheus 2.42 takes a nested expression's series out of a Go map, so it resolves"
            + " such ties differently from run to run and no engine could match it; as instant"
            + " queries its order is the storage's and Meshlens must match it.\n");
    b.append("\n## Known differences\n\n");
    if (r.differences().isEmpty()) {
      b.append("None: every query answers as Prometheus 2.42 does.\n");
    }
    for (Map.Entry<String, String> e : r.differences().entrySet()) {
      String why = r.known().get(e.getKey());
      b.append("- `")
          .append(e.getKey())
          .append("`: ")
          .append(why == null ? "**not explained: a defect**" : why)
          .append(" (")
          .append(e.getValue().replace("\n", " "))
          .append(")\n");
    }
    b.append(
        "\n## Not observable here\n\n"
            + "Deliberate differences of the engine (`docs/promql.md`, Known differences) that these"
            + " queries cannot show, and what the harness cannot load into Prometheus:\n\n"
            + "- **Native histograms** are not supported (the store holds floats); the data has"
            + " classic `le` buckets only.\n"
            + "- **Staleness markers**: `promtool tsdb create-blocks-from openmetrics` cannot write"
            + " them, so series here end without one in both engines (staleness is checked by"
            + " Prometheus' own `staleness.test`, run by `UpstreamPromqlTestFilesTest`).\n"
            + "- **Last bits of transcendental functions** (`exp`, `ln`, trigonometry, `^`) may"
            + " differ from Go's by about 1e-16 relative, inside the tolerance.\n"
            + "- **RE2-only regular expression syntax** beyond what `GoRegex` translates (`\\C`,"
            + " `(?U)`, Unicode script names such as `\\p{Greek}`) and the wording of rare regex"
            + " errors.\n"
            + "- **Instant vector order**: Meshlens sorts by labels where Prometheus returns"
            + " evaluation order, so instant vectors are compared as sets unless the query"
            + " sorts.\n"
            + "- **Query statistics**, `--query.max-concurrency`, per-query `lookback_delta`, and"
            + " the refusal of extremely deep nesting.\n");
    return b.toString();
  }

  private static String times() {
    StringBuilder b = new StringBuilder();
    for (long t : PrometheusComplianceTest.INSTANTS) {
      b.append(b.length() == 0 ? "" : ", ").append(offset(t));
    }
    return b.toString();
  }

  private static String ranges() {
    StringBuilder b = new StringBuilder();
    for (long[] r : PrometheusComplianceTest.RANGES) {
      b.append(b.length() == 0 ? "" : ", ")
          .append(offset(r[0]))
          .append(" to ")
          .append(offset(r[1]))
          .append(" step ")
          .append(r[2] / 1000)
          .append(" s");
    }
    return b.toString();
  }

  /** A time as an offset from the start of the data, e.g. {@code start+2h07m13.456s}. */
  private static String offset(long t) {
    long d = t - ComplianceDataset.START_MS;
    String sign = d < 0 ? "-" : "+";
    d = Math.abs(d);
    long h = d / 3_600_000;
    long m = d / 60_000 % 60;
    long ms = d % 60_000;
    StringBuilder b = new StringBuilder("start").append(sign);
    if (h > 0) {
      b.append(h).append('h');
    }
    if (m > 0) {
      b.append(m).append('m');
    }
    if (ms > 0) {
      b.append(PrometheusReference.seconds(ms)).append('s');
    }
    return b.length() == 6 ? "start" : b.toString();
  }
}
