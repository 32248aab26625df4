package io.meshlens.ingest.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshlens.ingest.otlp.PrometheusNaming.MetricType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Name rules against the cases of Prometheus' own tests (prometheus/otlptranslator {@code
 * metric_namer_test.go}, {@code label_namer_test.go}) plus the Istio and Kubernetes names Meshlens
 * sees.
 */
class PrometheusNamingTest {

  @ParameterizedTest(name = "gauge {0} [{1}] -> {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock =
          """
          # Characters and words
          simple_metric                | ''          | simple_metric
          metric@with#special$chars    | ''          | metric_with_special_chars
          metric@@##$$name             | ''          | metric_name
          _leading.and.trailing_       | ''          | leading_and_trailing
          a__b                         | c__d        | a_b_c_d
          123metric                    | ''          | _123metric
          namespace:metric             | ''          | namespace:metric
          @#$%                         | ''          | ''
          ''                           | ''          | ''
          requests_total               | ''          | requests_total
          # Units
          response_time                | ms          | response_time_milliseconds
          memory_usage                 | By          | memory_usage_bytes
          response_time_seconds        | s           | response_time_seconds
          k8s.pod.memory.working_set   | By          | k8s_pod_memory_working_set_bytes
          uptime                       | d           | uptime_days
          duration                     | h           | duration_hours
          timeout                      | min         | timeout_minutes
          latency                      | us          | latency_microseconds
          precision_time               | ns          | precision_time_nanoseconds
          cache_size                   | KiBy        | cache_size_kibibytes
          memory                       | MiBy        | memory_mebibytes
          storage                      | GiBy        | storage_gibibytes
          capacity                     | TiBy        | capacity_tibibytes
          transfer                     | KBy         | transfer_kilobytes
          download                     | MBy         | download_megabytes
          backup                       | GBy         | backup_gigabytes
          archive                      | TBy         | archive_terabytes
          distance                     | m           | distance_meters
          voltage                      | V           | voltage_volts
          current                      | A           | current_amperes
          energy                       | J           | energy_joules
          power                        | W           | power_watts
          weight                       | g           | weight_grams
          temperature                  | Cel         | temperature_celsius
          frequency                    | Hz          | frequency_hertz
          cpu_usage                    | %           | cpu_usage_percent
          custom_metric                | custom_unit | custom_metric_custom_unit
          m                            | u@x#y/chars | m_u_x_y_per_chars
          # Curly-brace units are annotations: dropped
          custom_metric                | {custom}    | custom_metric
          custom_metric                | By/{custom} | custom_metric_bytes
          # "Per" units
          requests                     | 1/s         | requests_per_second
          throughput                   | By/s        | throughput_bytes_per_second
          requests                     | 1/m         | requests_per_minute
          events                       | 1/h         | events_per_hour
          transactions                 | 1/d         | transactions_per_day
          reports                      | 1/w         | reports_per_week
          invoices                     | 1/mo        | invoices_per_month
          renewals                     | 1/y         | renewals_per_year
          custom                       | 1/custom    | custom_per_custom
          metric                       | By/         | metric_bytes
          metric                       | ' By / s '  | metric_bytes_per_second
          metric                       | /           | metric
          # Unit "1": _ratio, moved to the end
          cpu_usage                    | 1           | cpu_usage_ratio
          cpu_usage_ratio              | 1           | cpu_usage_ratio
          ratio.of.cpu                 | 1           | of_cpu_ratio
          """)
  void gaugeNames(String name, String unit, String expected) {
    assertThat(PrometheusNaming.metricName(name, unit, MetricType.GAUGE)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "counter {0} [{1}] -> {2}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock =
          """
          # _total appended, moved to the end when already there, never doubled; no _ratio
          requests                     | ''          | requests_total
          requests_total               | ''          | requests_total
          istio_requests_total         | ''          | istio_requests_total
          cluster_total_match_count    | ''          | cluster_match_count_total
          network.io.total             | By          | network_io_bytes_total
          cpu_seconds_total            | s           | cpu_seconds_total
          k8s.pod.cpu.time             | s           | k8s_pod_cpu_time_seconds_total
          istio.requests               | {request}   | istio_requests_total
          requests                     | 1/s         | requests_per_second_total
          items                        | 1           | items_total
          http.requests                | 1           | http_requests_total
          123_requests                 | ''          | _123_requests_total
          """)
  void monotonicCounterNames(String name, String unit, String expected) {
    assertThat(PrometheusNaming.metricName(name, unit, MetricType.MONOTONIC_COUNTER))
        .isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} {1} [{2}] -> {3}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock =
          """
          # Units but neither _total nor _ratio
          NON_MONOTONIC_COUNTER | active_connections   | ''        | active_connections
          NON_MONOTONIC_COUNTER | http.active_requests | {request} | http_active_requests
          NON_MONOTONIC_COUNTER | items                | 1         | items
          NON_MONOTONIC_COUNTER | requests_total       | ''        | requests_total
          HISTOGRAM             | request_duration     | s         | request_duration_seconds
          HISTOGRAM             | http.duration        | ms        | http_duration_milliseconds
          HISTOGRAM             | items                | 1         | items
          SUMMARY               | response_time        | ms        | response_time_milliseconds
          EXPONENTIAL_HISTOGRAM | request_size         | By        | request_size_bytes
          """)
  void otherTypeNames(MetricType type, String name, String unit, String expected) {
    assertThat(PrometheusNaming.metricName(name, unit, type)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      textBlock =
          """
          label:with:colons                  | label_with_colons
          LabelWithCapitalLetters            | LabelWithCapitalLetters
          label!with&special$chars)          | label_with_special_chars_
          label_with_foreign_characters_字符   | label_with_foreign_characters___
          label.with.dots                    | label_with_dots
          123label                           | key_123label
          _label_starting_with_underscore    | key_label_starting_with_underscore
          __label_starting_with_2underscores | __label_starting_with_2underscores
          __name__                           | __name__
          _                                  | key_
          a..b                               | a__b
          k8s.pod.name                       | k8s_pod_name
          service.instance.id                | service_instance_id
          http.method                        | http_method
          response_code                      | response_code
          😀x                                 | key_x
          """)
  void labelNames(String key, String expected) {
    assertThat(PrometheusNaming.labelName(key)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "\"{0}\" is no label name")
  @CsvSource(
      quoteCharacter = '\'',
      value = {"''", "__", "___", "ようこそ", "..."})
  void invalidLabelNames(String key) {
    assertThat(PrometheusNaming.labelName(key)).isNull();
  }

  @Test
  void validLabelNamesAreNotCopied() {
    String key = "destination_workload_namespace";
    assertThat(PrometheusNaming.labelName(key)).isSameAs(key);
  }
}
