package io.meshlens.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GrafanaDashboardTest {

  @Test
  void substitutesBuiltInAndDashboardVariablesInEveryGrafanaSyntax() {
    assertThat(
            GrafanaDashboard.substitute(
                "rate(x{cluster=~\"$cluster\", ns=\"${namespace}\", s=\"[[service]]\"}[$__rate_interval])",
                Map.of("cluster", ".+", "namespace", "shop", "service", "web")))
        .isEqualTo("rate(x{cluster=~\".+\", ns=\"shop\", s=\"web\"}[1m])");
  }

  @Test
  void leavesLabelReplaceGroupReferencesAlone() {
    assertThat(
            GrafanaDashboard.substitute(
                "label_replace(x, \"d\", \"$1\", \"s\", \"(.*)\")", Map.of()))
        .isEqualTo("label_replace(x, \"d\", \"$1\", \"s\", \"(.*)\")");
  }

  @Test
  void refusesAVariableTheDashboardDoesNotDefine() {
    assertThatThrownBy(() -> GrafanaDashboard.substitute("x{a=\"$tenant\"}", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unknown variable $tenant in: x{a=\"$tenant\"}");
  }
}
