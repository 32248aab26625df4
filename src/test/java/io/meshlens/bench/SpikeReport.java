package io.meshlens.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import javax.management.ObjectName;

/**
 * Measuring and reporting helpers: live heap after full collections, class histograms, latency
 * percentiles, and one benchmark step's markdown fragment and key figures.
 */
final class SpikeReport {

  private final String name;
  private final List<String> lines = new ArrayList<>();
  private final Map<String, String> keys = new LinkedHashMap<>();

  SpikeReport(String name) {
    this.name = name;
  }

  void line(String format, Object... args) {
    String s = String.format(Locale.ROOT, format, args);
    lines.add(s);
    System.out.println(s);
  }

  void key(String key, Object value) {
    String v =
        value instanceof Double d ? String.format(Locale.ROOT, "%.4f", d) : String.valueOf(value);
    keys.put(key, v);
    System.out.println("KEY " + key + " = " + v);
  }

  /** Writes {@code <name>.md} and {@code <name>.properties} into {@code dir}. */
  void save(Path dir) throws IOException {
    Files.writeString(dir.resolve(name + ".md"), String.join("\n", lines) + "\n");
    Properties p = new Properties();
    p.putAll(keys);
    try (var out = Files.newBufferedWriter(dir.resolve(name + ".properties"))) {
      p.store(out, name);
    }
  }

  // ------------------------------------------------------------------ heap

  /**
   * Live heap: {@link System#gc()} (a full, compacting collection with G1 unless explicit GCs are
   * made concurrent) repeated until the used heap reported by {@link MemoryMXBean} stops changing
   * by more than 1 MB, at most 8 times.
   */
  static long liveHeap() {
    MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
    long prev = Long.MAX_VALUE;
    long used = 0;
    for (int i = 0; i < 8; i++) {
      System.gc();
      try {
        Thread.sleep(150);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      used = mx.getHeapMemoryUsage().getUsed();
      if (Math.abs(prev - used) < (1 << 20)) {
        break;
      }
      prev = used;
    }
    return used;
  }

  /**
   * The top {@code rows} lines of the live-object class histogram (as {@code jmap -histo:live}).
   */
  static List<String> classHistogram(int rows) {
    try {
      ObjectName dc = new ObjectName("com.sun.management:type=DiagnosticCommand");
      String out =
          (String)
              ManagementFactory.getPlatformMBeanServer()
                  .invoke(
                      dc,
                      "gcClassHistogram",
                      new Object[] {new String[0]},
                      new String[] {String[].class.getName()});
      String[] all = out.split("\n");
      return Arrays.asList(all).subList(0, Math.min(all.length, rows + 2));
    } catch (Exception e) {
      return List.of("class histogram unavailable: " + e);
    }
  }

  // ------------------------------------------------------------------ latency

  /** Nearest-rank percentile of nanosecond timings, in milliseconds. */
  static double percentileMs(long[] nanos, double p) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    int rank = (int) Math.ceil(p / 100.0 * s.length);
    return s[Math.max(0, Math.min(s.length - 1, rank - 1))] / 1e6;
  }

  static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }
}
