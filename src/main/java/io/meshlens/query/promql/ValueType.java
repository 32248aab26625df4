package io.meshlens.query.promql;

/** The type of a PromQL expression, as the parser's type checker and the HTTP API name them. */
public enum ValueType {
  NONE("none", "none"),
  SCALAR("scalar", "scalar"),
  VECTOR("vector", "instant vector"),
  MATRIX("matrix", "range vector"),
  STRING("string", "string");

  private final String apiName;
  private final String documentedName;

  ValueType(String apiName, String documentedName) {
    this.apiName = apiName;
    this.documentedName = documentedName;
  }

  /** The {@code resultType} of the HTTP API, e.g. {@code matrix}. */
  public String apiName() {
    return apiName;
  }

  /** The name used in error messages, e.g. {@code range vector}. */
  public String documentedName() {
    return documentedName;
  }
}
