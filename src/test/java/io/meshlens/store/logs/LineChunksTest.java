package io.meshlens.store.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshlens.testdata.RealData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineChunksTest {

  @TempDir Path dir;

  /** Real access log lines: Istio's JSON lines and a waypoint proxy's text lines. */
  private static List<String> realLines() {
    List<String> out = new ArrayList<>();
    for (String f :
        List.of(
            "public_examples__istio_json_access_log_lines.jsonl",
            "kiali__tests_data_logs_waypoint.log")) {
      RealData.read(f).lines().filter(l -> !l.isBlank()).forEach(out::add);
    }
    return out;
  }

  private static List<String> lines(int n, long seed) {
    List<String> real = realLines();
    Random r = new Random(seed);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(real.get(r.nextInt(real.size())) + " #" + i + "-" + seed);
    }
    return out;
  }

  private static long[] append(LineChunks c, long day, List<String> lines) throws IOException {
    return c.append(
            day, List.of(lines.stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList()))[0];
  }

  private Path onlyFile() throws IOException {
    List<Path> files = lineFiles();
    assertThat(files).hasSize(1);
    return files.get(0);
  }

  private List<Path> lineFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".lz4b")).toList();
    }
  }

  private static long[] concat(long[] a, long[] b) {
    long[] out = new long[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void linesComeBackByTheirReferencesInAnyOrderAndAfterReopening() throws IOException {
    List<String> day1 = lines(2_000, 1);
    List<String> day2 = new ArrayList<>(lines(700, 2));
    // Lines no real log has, to cover the encoding: empty, non-ASCII, longer than a block.
    day2.add("");
    day2.add("naïve ✓ 日本語 \u0000 \n line");
    day2.add("x".repeat(3 * LineChunks.BLOCK_BYTES));
    long[] refs;
    try (LineChunks c = new LineChunks(dir)) {
      refs = concat(append(c, 20_000, day1), append(c, 20_001, day2));
      assertThat(c.days()).containsExactly(20_000L, 20_001L);
    }
    List<String> all = new ArrayList<>(day1);
    all.addAll(day2);
    assertThat(java.util.Arrays.stream(refs).distinct().count()).isEqualTo(all.size());
    try (LineChunks c = new LineChunks(dir)) {
      assertThat(c.read(refs)).isEqualTo(all);
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < refs.length; i++) {
        order.add(i);
      }
      Collections.shuffle(order, new Random(7));
      for (int i : order.subList(0, 300)) {
        assertThat(c.read(refs[i])).isEqualTo(all.get(i));
      }
      // A reopened store appends to new files: the old ones stay as they are.
      long[] more = append(c, 20_000, List.of("after reopening"));
      assertThat(c.read(more)).containsExactly("after reopening");
      assertThat(c.read(refs)).isEqualTo(all);
    }
  }

  @Test
  void compressesRealLines() throws IOException {
    List<String> l = lines(5_000, 3);
    long raw = l.stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
    try (LineChunks c = new LineChunks(dir)) {
      append(c, 1, l);
    }
    long stored;
    try (Stream<Path> files = lineFiles().stream()) {
      stored =
          files
              .mapToLong(
                  f -> {
                    try {
                      return Files.size(f);
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .sum();
    }
    assertThat(stored).isLessThan(raw / 2);
  }

  @Test
  void bytesLeftUnreferencedByACrashAreSkippedAndDoNotDisturbLaterBlocks() throws IOException {
    long[] before;
    try (LineChunks c = new LineChunks(dir)) {
      before = append(c, 5, lines(300, 4));
    }
    Path file = onlyFile();
    // A block torn by a crash: its header and part of its bytes, never referenced.
    Files.write(file, new byte[] {0x31, 0x42, 0x4c, 0x4d, 9, 9, 9}, StandardOpenOption.APPEND);
    try (LineChunks c = new LineChunks(dir)) {
      long[] after = append(c, 5, lines(10, 5));
      assertThat(c.read(before)).isEqualTo(lines(300, 4));
      assertThat(c.read(after)).isEqualTo(lines(10, 5));
    }
  }

  @Test
  void aDamagedBlockIsReportedNotMisread() throws IOException {
    long[] refs;
    try (LineChunks c = new LineChunks(dir)) {
      refs = append(c, 5, lines(50, 6));
    }
    Path file = onlyFile();
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 0x5a;
    Files.write(file, bytes);
    try (LineChunks c = new LineChunks(dir)) {
      assertThatThrownBy(() -> c.read(refs))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("damaged");
    }
  }

  @Test
  void droppingDaysDeletesTheirFilesOnly() throws IOException {
    try (LineChunks c = new LineChunks(dir)) {
      long[] old = append(c, 10, lines(20, 7));
      long[] kept = append(c, 11, lines(20, 8));
      c.read(old); // cached blocks must not outlive their file
      assertThat(c.dropBefore(11)).isEqualTo(1);
      assertThat(c.days()).containsExactly(11L);
      assertThatThrownBy(() -> c.read(old)).isInstanceOf(IOException.class);
      assertThat(c.read(kept)).isEqualTo(lines(20, 8));
      long[] again = append(c, 10, List.of("late line of a dropped day"));
      assertThat(c.read(again)).containsExactly("late line of a dropped day");
    }
    assertThat(lineFiles()).hasSize(2);
  }

  @Test
  void erasingOverwritesTheBlocksOfTheGivenLinesGroupOnlyAndForGood() throws IOException {
    List<byte[]> shop =
        lines(600, 9).stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
    List<byte[]> payments =
        lines(50, 10).stream().map(l -> l.getBytes(StandardCharsets.UTF_8)).toList();
    long[][] refs;
    try (LineChunks c = new LineChunks(dir)) {
      refs = c.append(10, List.of(shop, payments));
      c.read(refs[0]); // cached blocks must not outlive the erasing
      // 600 lines take several blocks; erasing names every line's block once.
      assertThat(c.erase(refs[0])).isGreaterThan(1);
      assertThat(c.erase(refs[0])).isZero();
      // An erased line reads as null: its row is deleted right after.
      assertThat(c.read(refs[0])).hasSize(600).containsOnlyNulls();
      assertThat(c.read(refs[1])).isEqualTo(lines(50, 10));
      long[] later = append(c, 10, List.of("written after the erasing"));
      assertThat(c.read(later)).containsExactly("written after the erasing");
    }
    Path file = onlyFile();
    // The bytes are gone from the file, not only unreachable.
    String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
    assertThat(content).doesNotContain("#1-9");
    try (LineChunks c = new LineChunks(dir)) {
      assertThat(c.read(refs[1])).isEqualTo(lines(50, 10));
    }
  }

  @Test
  void aFileNumberIsNeverUsedTwiceSoAStaleReferenceReadsNoOtherLine() throws IOException {
    long[] stale;
    try (LineChunks c = new LineChunks(dir)) {
      append(c, 100, List.of("today"));
      stale = append(c, 90, List.of("a late line of an old day")); // the newest file
      c.dropBefore(95);
    }
    try (LineChunks c = new LineChunks(dir)) {
      append(c, 101, List.of("another tenant's line"));
      assertThatThrownBy(() -> c.read(stale)).isInstanceOf(IOException.class);
    }
  }

  @Test
  void anInterruptedReaderDoesNotBreakTheFileForTheNextReaders() throws IOException {
    try (LineChunks c = new LineChunks(dir)) {
      long[] a = append(c, 100, List.of("first"));
      long[] b = append(c, 100, List.of("second")); // another block, not cached
      Thread.currentThread().interrupt();
      try {
        assertThatThrownBy(() -> c.read(a)).isInstanceOf(IOException.class);
      } finally {
        Thread.interrupted();
      }
      assertThat(c.read(b)).containsExactly("second");
      assertThat(c.read(a)).containsExactly("first");
    }
  }
}
