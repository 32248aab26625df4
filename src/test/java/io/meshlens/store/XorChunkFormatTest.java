package io.meshlens.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The encoded bytes of XOR chunks must never change: chunks on disk and in checkpoints were written
 * by earlier versions. The digest below was taken from the bit-at-a-time writer; any faster writer
 * has to give exactly the same bytes (and the same capacity growth) for every kind of sample.
 */
class XorChunkFormatTest {

  private static final String DIGEST_OF_REFERENCE_WRITER =
      "99ad2eb02d23070cc91070f7bec5a8627811454e72a25f3f9bb2b468bc164d36";

  @Test
  void encodedBytesAreTheSameAsTheReferenceWritersForEveryDeltaAndXorWidth() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    Random r = new Random(42);
    for (int c = 0; c < 400; c++) {
      XorChunk x = new XorChunk(c % 3 == 0 ? 3 : 32);
      long t = r.nextLong() >> (c % 40);
      double v = r.nextDouble();
      int n = 1 + r.nextInt(c % 5 == 0 ? 2000 : 120);
      for (int i = 0; i < n; i++) {
        int kind = r.nextInt(8);
        long step =
            switch (kind) {
              case 0 -> 15_000;
              case 1 -> 15_000 + r.nextInt(20_000) - 10_000;
              case 2 -> 1 + r.nextInt(200_000);
              case 3 -> 1 + (r.nextLong() >>> 30);
              default -> 15_000;
            };
        t += step;
        switch (r.nextInt(7)) {
          case 0 -> v = v + 1;
          case 1 -> v = r.nextDouble() * 1e6;
          case 2 -> v = Double.longBitsToDouble(r.nextLong());
          case 3 -> v = Double.longBitsToDouble(0x7ff0000000000002L);
          case 4 -> v = Math.floor(v * 3);
          default -> {}
        }
        x.append(t, v);
      }
      byte[] bytes = x.bytes();
      XorChunk.Reader reader = XorChunk.reader(bytes);
      int read = 0;
      while (reader.next()) {
        read++;
      }
      assertThat(read).isEqualTo(n);
      md.update(bytes);
      md.update((byte) x.capacityBytes());
    }
    assertThat(HexFormat.of().formatHex(md.digest())).isEqualTo(DIGEST_OF_REFERENCE_WRITER);
  }
}
