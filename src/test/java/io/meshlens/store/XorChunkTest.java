package io.meshlens.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class XorChunkTest {

  private static final long STALE_NAN_BITS = 0x7ff0000000000002L;
  private static final long T0 = 1_740_830_400_000L; // 2025-03-01T12:00:00Z

  /** Encodes, decodes from a trimmed copy and compares timestamps and raw value bits. */
  private static XorChunk roundTrip(long[] ts, double[] vs) {
    XorChunk c = new XorChunk(8);
    for (int i = 0; i < ts.length; i++) {
      c.append(ts[i], vs[i]);
    }
    assertThat(c.count()).isEqualTo(ts.length);
    byte[] bytes = c.bytes();
    assertThat(bytes).hasSize(c.sizeBytes());
    XorChunk.Reader r = XorChunk.reader(bytes);
    assertThat(r.count()).isEqualTo(ts.length);
    for (int i = 0; i < ts.length; i++) {
      assertThat(r.next()).as("sample %d", i).isTrue();
      assertThat(r.t()).as("timestamp %d", i).isEqualTo(ts[i]);
      assertThat(r.valueBits()).as("value bits %d", i).isEqualTo(Double.doubleToRawLongBits(vs[i]));
    }
    assertThat(r.next()).isFalse();
    return c;
  }

  @Test
  void regularCounterWithSmallIncrementsCompressesToAboutOneByteASample() {
    int n = XorChunk.SAMPLES_PER_CHUNK;
    long[] ts = new long[n];
    double[] vs = new double[n];
    SplittableRandom rnd = new SplittableRandom(1);
    double v = 123_456;
    for (int i = 0; i < n; i++) {
      ts[i] = T0 + 15_000L * i;
      v += rnd.nextInt(4);
      vs[i] = v;
    }
    XorChunk c = roundTrip(ts, vs);
    assertThat(c.sizeBytes()).isLessThan(2 * n);
  }

  @Test
  void constantSeriesAtRegularIntervalsCostsTwoBitsASample() {
    int n = XorChunk.SAMPLES_PER_CHUNK;
    long[] ts = new long[n];
    double[] vs = new double[n];
    for (int i = 0; i < n; i++) {
      ts[i] = T0 + 15_000L * i;
      vs[i] = 42;
    }
    XorChunk c = roundTrip(ts, vs);
    // header 2 + varint t0 (6) + 8 + uvarint delta (3) + 1 bit XOR + 118 * 2 bits
    assertThat(c.sizeBytes()).isLessThanOrEqualTo(2 + 6 + 8 + 3 + 31);
  }

  @Test
  void staleMarkersAndOtherNaNsKeepTheirBits() {
    double stale = Double.longBitsToDouble(STALE_NAN_BITS);
    long[] ts = {T0, T0 + 15_000, T0 + 30_000, T0 + 45_000, T0 + 60_000, T0 + 75_000, T0 + 90_000};
    double[] vs = {1, stale, Double.NaN, stale, 2, Double.longBitsToDouble(0xfff8000000000001L), 2};
    roundTrip(ts, vs);
    XorChunk.Reader r = XorChunk.reader(roundTrip(ts, vs).bytes());
    r.next();
    r.next();
    assertThat(r.valueBits()).isEqualTo(STALE_NAN_BITS);
    assertThat(Double.isNaN(r.v())).isTrue();
  }

  @Test
  void specialValuesRoundTrip() {
    double[] vs = {
      0.0,
      -0.0,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.MIN_VALUE,
      -Double.MAX_VALUE,
      1e-300,
      0.1 + 0.2,
      -7,
      Double.MAX_VALUE
    };
    long[] ts = new long[vs.length];
    for (int i = 0; i < ts.length; i++) {
      ts[i] = T0 + 10_000L * i;
    }
    roundTrip(ts, vs);
  }

  @Test
  void counterResetsRoundTrip() {
    long[] ts = new long[40];
    double[] vs = new double[40];
    double v = 0;
    for (int i = 0; i < 40; i++) {
      ts[i] = T0 + 15_000L * i;
      v = i % 13 == 12 ? 0 : v + 17.25 * (i % 3);
      vs[i] = v;
    }
    roundTrip(ts, vs);
  }

  @Test
  void irregularIntervalsUseEveryDeltaOfDeltaWidth() {
    List<Long> t = new ArrayList<>();
    long now = -5_000; // negative first timestamp: zig-zag varint
    long[] gaps = {
      15_000,
      15_000,
      15_003,
      14_990,
      15_000, // jitter: 14-bit window
      15_000 + 8_192,
      15_000,
      15_000 - 8_191,
      15_000, // window edges
      15_000 + 8_193,
      15_000 + 65_536,
      15_000, // 17 bits
      15_000 + 65_537,
      15_000 + 524_288,
      15_000, // 20 bits
      86_400_000,
      15_000,
      1,
      2,
      3_600_000_000L,
      1,
      15_000 // 64-bit escape, tiny gaps
    };
    t.add(now);
    for (long g : gaps) {
      now += g;
      t.add(now);
    }
    long[] ts = t.stream().mapToLong(Long::longValue).toArray();
    double[] vs = new double[ts.length];
    for (int i = 0; i < vs.length; i++) {
      vs[i] = i * 0.5;
    }
    roundTrip(ts, vs);
  }

  @Test
  void bitRangeMatchesPrometheusWindows() {
    assertThat(XorChunk.bitRange(8_192, 14)).isTrue();
    assertThat(XorChunk.bitRange(8_193, 14)).isFalse();
    assertThat(XorChunk.bitRange(-8_191, 14)).isTrue();
    assertThat(XorChunk.bitRange(-8_192, 14)).isFalse();
  }

  @Test
  void oneAndTwoSampleChunks() {
    roundTrip(new long[] {T0}, new double[] {3.5});
    roundTrip(new long[] {T0, T0 + 1}, new double[] {3.5, -3.5});
    XorChunk empty = new XorChunk();
    assertThat(XorChunk.reader(empty.bytes()).next()).isFalse();
  }

  @Test
  void randomSequencesRoundTrip() {
    SplittableRandom rnd = new SplittableRandom(7);
    for (int round = 0; round < 500; round++) {
      int n = 1 + rnd.nextInt(300);
      long[] ts = new long[n];
      double[] vs = new double[n];
      long t = rnd.nextLong(-1L << 50, 1L << 50);
      double v = rnd.nextDouble() * 1000;
      for (int i = 0; i < n; i++) {
        t +=
            switch (rnd.nextInt(4)) {
              case 0 -> 15_000;
              case 1 -> 15_000 + rnd.nextInt(-50, 50);
              case 2 -> 1 + rnd.nextLong(1L << 40);
              default -> 1 + rnd.nextInt(100_000);
            };
        ts[i] = t;
        v =
            switch (rnd.nextInt(6)) {
              case 0 -> v;
              case 1 -> v + rnd.nextInt(10);
              case 2 -> rnd.nextDouble();
              case 3 -> Double.longBitsToDouble(rnd.nextLong());
              case 4 -> 0;
              default -> Double.longBitsToDouble(STALE_NAN_BITS);
            };
        vs[i] = v;
      }
      roundTrip(ts, vs);
    }
  }

  @Test
  void randomSequencesDecodeInsideABufferWithOtherBytesAroundAndFromTheOpenBuffer() {
    // The reader loads 8 bytes at a time, which may reach past the chunk's end: whatever lies
    // there (another chunk, garbage, the open chunk's spare capacity) must not leak into values.
    SplittableRandom rnd = new SplittableRandom(11);
    for (int round = 0; round < 2_000; round++) {
      int n = 1 + rnd.nextInt(200);
      XorChunk c = new XorChunk(8);
      long[] ts = new long[n];
      long[] bits = new long[n];
      long t = rnd.nextLong(-1L << 50, 1L << 50);
      long v = Double.doubleToRawLongBits(rnd.nextDouble() * 100);
      for (int i = 0; i < n; i++) {
        t += rnd.nextBoolean() ? 60_000 : 1 + rnd.nextLong(1L << rnd.nextInt(1, 40));
        v =
            switch (rnd.nextInt(5)) {
              case 0 -> v;
              case 1 -> v ^ (1L << rnd.nextInt(64));
              case 2 -> v ^ (rnd.nextLong() >>> rnd.nextInt(64));
              case 3 -> rnd.nextLong();
              default -> Double.doubleToRawLongBits(Double.longBitsToDouble(v) + 1);
            };
        ts[i] = t;
        bits[i] = v;
        c.append(t, Double.longBitsToDouble(v));
      }
      byte[] inner = c.bytes();
      int before = rnd.nextInt(16);
      byte[] outer = new byte[before + inner.length + rnd.nextInt(16)];
      for (int i = 0; i < outer.length; i++) {
        outer[i] = (byte) rnd.nextInt(256);
      }
      System.arraycopy(inner, 0, outer, before, inner.length);
      for (XorChunk.Reader r :
          List.of(
              XorChunk.reader(outer, before, inner.length),
              XorChunk.reader(c.buffer(), 0, c.sizeBytes()),
              XorChunk.reader(inner))) {
        for (int i = 0; i < n; i++) {
          assertThat(r.next()).as("round %d sample %d", round, i).isTrue();
          assertThat(r.t()).as("round %d timestamp %d", round, i).isEqualTo(ts[i]);
          assertThat(r.valueBits()).as("round %d value bits %d", round, i).isEqualTo(bits[i]);
        }
        assertThat(r.next()).isFalse();
      }
    }
  }

  @Test
  void rejectsTimestampsThatDoNotIncrease() {
    XorChunk c = new XorChunk();
    c.append(T0, 1);
    assertThatThrownBy(() -> c.append(T0, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> c.append(T0 - 1, 2)).isInstanceOf(IllegalArgumentException.class);
    assertThat(c.count()).isEqualTo(1);
  }

  @Test
  void truncatedChunkIsReportedNotMisread() {
    XorChunk c = new XorChunk();
    for (int i = 0; i < 10; i++) {
      c.append(T0 + i * 15_000L, i * 1.5);
    }
    byte[] bytes = c.bytes();
    XorChunk.Reader r = XorChunk.reader(bytes, 0, bytes.length - 3);
    assertThatThrownBy(
            () -> {
              while (r.next()) {
                // drain
              }
            })
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void readsAChunkAtAnOffsetInsideALargerBuffer() {
    XorChunk c = new XorChunk();
    for (int i = 0; i < 5; i++) {
      c.append(T0 + i * 15_000L, i);
    }
    byte[] inner = c.bytes();
    byte[] outer = new byte[inner.length + 10];
    System.arraycopy(inner, 0, outer, 7, inner.length);
    XorChunk.Reader r = XorChunk.reader(outer, 7, inner.length);
    int n = 0;
    while (r.next()) {
      assertThat(r.t()).isEqualTo(T0 + n * 15_000L);
      assertThat(r.v()).isEqualTo(n);
      n++;
    }
    assertThat(n).isEqualTo(5);
  }
}
