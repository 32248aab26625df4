package io.meshlens.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A Gorilla-style compressed chunk of (timestamp, value) samples following the layout of
 * Prometheus' XOR chunk ({@code tsdb/chunkenc/xor.go}): delta-of-delta timestamps and XOR-ed
 * float64 values.
 *
 * <pre>
 * header   2 bytes   sample count, big-endian
 * sample 0 varint    timestamp (zig-zag); 64 bits value
 * sample 1 uvarint   timestamp delta; XOR value
 * sample n           delta of delta: '0' | '10' 14 bits | '110' 17 bits | '1110' 20 bits
 *                    | '1111' 64 bits; XOR value
 * XOR value          '0' same bits | '10' meaningful bits in the previous window
 *                    | '11' 5 bits leading zeros, 6 bits length (0 = 64), meaningful bits
 * </pre>
 *
 * Values are compared and stored as raw bits, so every NaN (including Prometheus' staleness marker
 * {@code 0x7ff0000000000002}) and -0.0 come back bit for bit. Timestamps must strictly increase;
 * any spacing is allowed (gaps, jitter, counter resets are all just bits).
 *
 * <p>Not thread-safe. One instance is one chunk being appended to; {@link #reader(byte[], int,
 * int)} decodes a finished one.
 */
public final class XorChunk {

  /** Bytes of the sample-count header. */
  public static final int HEADER_BYTES = 2;

  /** Prometheus cuts a chunk at 120 samples: about 2 hours at 1 minute, 30 minutes at 15 s. */
  public static final int SAMPLES_PER_CHUNK = 120;

  private static final int MAX_SAMPLES = 0xffff;

  private static final VarHandle BIG_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

  private byte[] buf;
  private int bitLen;
  private int count;
  private long t;
  private long tDelta;
  private long vBits;
  private byte leading = (byte) 0xff;
  private byte trailing;

  public XorChunk() {
    this(32);
  }

  public XorChunk(int initialCapacity) {
    buf = new byte[Math.max(HEADER_BYTES + 1, initialCapacity)];
    bitLen = HEADER_BYTES * 8;
  }

  public int count() {
    return count;
  }

  /** Bytes the encoded chunk occupies (header included). */
  public int sizeBytes() {
    return (bitLen + 7) >>> 3;
  }

  /** Capacity of the backing array (what the chunk costs on the heap, plus the array header). */
  public int capacityBytes() {
    return buf.length;
  }

  public long lastTimestamp() {
    return t;
  }

  /** The encoded chunk, trimmed to its size. */
  public byte[] bytes() {
    return Arrays.copyOf(buf, sizeBytes());
  }

  /** Drops spare capacity: call once the chunk is full. */
  public void trim() {
    if (buf.length != sizeBytes()) {
      buf = Arrays.copyOf(buf, sizeBytes());
    }
  }

  /** The backing array; bytes past {@link #sizeBytes()} are zero. */
  public byte[] buffer() {
    return buf;
  }

  /**
   * Appends a sample.
   *
   * @throws IllegalArgumentException when {@code ts} is not after the last timestamp
   * @throws IllegalStateException when the chunk holds 65,535 samples
   */
  public void append(long ts, double v) {
    long bits = Double.doubleToRawLongBits(v);
    if (count >= MAX_SAMPLES) {
      throw new IllegalStateException("chunk is full");
    }
    if (count == 0) {
      writeVarint(ts);
      writeBits(bits, 64);
    } else {
      if (ts <= t) {
        throw new IllegalArgumentException("timestamp " + ts + " is not after " + t);
      }
      long delta = ts - t;
      if (count == 1) {
        writeUvarint(delta);
      } else {
        long dod = delta - tDelta;
        if (dod == 0) {
          writeBits(0, 1);
        } else if (bitRange(dod, 14)) {
          writeBits(0b10, 2);
          writeBits(dod, 14);
        } else if (bitRange(dod, 17)) {
          writeBits(0b110, 3);
          writeBits(dod, 17);
        } else if (bitRange(dod, 20)) {
          writeBits(0b1110, 4);
          writeBits(dod, 20);
        } else {
          writeBits(0b1111, 4);
          writeBits(dod, 64);
        }
      }
      tDelta = delta;
      writeXor(bits);
    }
    t = ts;
    vBits = bits;
    count++;
    buf[0] = (byte) (count >>> 8);
    buf[1] = (byte) count;
  }

  private void writeXor(long bits) {
    long delta = bits ^ vBits;
    if (delta == 0) {
      writeBits(0, 1);
      return;
    }
    writeBits(1, 1);
    int newLeading = Long.numberOfLeadingZeros(delta);
    int newTrailing = Long.numberOfTrailingZeros(delta);
    if (newLeading >= 32) {
      newLeading = 31; // 5 bits
    }
    int lead = leading & 0xff;
    if (lead != 0xff && newLeading >= lead && newTrailing >= trailing) {
      writeBits(0, 1);
      writeBits(delta >>> trailing, 64 - lead - trailing);
      return;
    }
    leading = (byte) newLeading;
    trailing = (byte) newTrailing;
    writeBits(1, 1);
    writeBits(newLeading, 5);
    int sig = 64 - newLeading - newTrailing;
    writeBits(sig, 6); // 64 wraps to 0
    writeBits(delta >>> newTrailing, sig);
  }

  /** Whether x fits the n-bit window Prometheus uses: -(2^(n-1) - 1) .. 2^(n-1). */
  static boolean bitRange(long x, int n) {
    return -((1L << (n - 1)) - 1) <= x && x <= (1L << (n - 1));
  }

  private void writeVarint(long x) {
    writeUvarint((x << 1) ^ (x >> 63));
  }

  private void writeUvarint(long x) {
    while (Long.compareUnsigned(x, 0x80) >= 0) {
      writeBits((x & 0x7f) | 0x80, 8);
      x >>>= 7;
    }
    writeBits(x, 8);
  }

  /**
   * Writes the low {@code n} bits of {@code value}, most significant first: the rest of the current
   * byte, then whole bytes, then the start of the last one (bytes past {@link #bitLen} are zero, so
   * whole bytes are stored rather than or-ed).
   */
  private void writeBits(long value, int n) {
    if (n == 0) {
      return;
    }
    int needed = (bitLen + n + 7) >>> 3;
    if (needed > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(needed, buf.length + (buf.length >>> 1) + 8));
    }
    if (n < 64) {
      value &= (1L << n) - 1;
    }
    int pos = bitLen >>> 3;
    int free = 8 - (bitLen & 7);
    bitLen += n;
    if (n <= free) {
      buf[pos] |= (byte) (value << (free - n));
      return;
    }
    n -= free;
    buf[pos++] |= (byte) (value >>> n);
    while (n >= 8) {
      n -= 8;
      buf[pos++] = (byte) (value >>> n);
    }
    if (n > 0) {
      buf[pos] = (byte) (value << (8 - n));
    }
  }

  public static Reader reader(byte[] data, int offset, int length) {
    return new Reader(data, offset, length);
  }

  public static Reader reader(byte[] data) {
    return new Reader(data, 0, data.length);
  }

  /** Iterates over a chunk's samples: {@code while (r.next()) use(r.t(), r.v())}. */
  public static final class Reader {
    private final byte[] data;
    private final int end;
    private long bitPos;
    private final int total;
    private int read;
    private long t;
    private long tDelta;
    private long vBits;
    private int leading;
    private int trailing;

    Reader(byte[] data, int offset, int length) {
      if (length < HEADER_BYTES) {
        throw new IllegalArgumentException("chunk shorter than its header");
      }
      this.data = data;
      this.end = offset + length;
      this.total = ((data[offset] & 0xff) << 8) | (data[offset + 1] & 0xff);
      this.bitPos = (long) (offset + HEADER_BYTES) * 8;
    }

    public int count() {
      return total;
    }

    public long t() {
      return t;
    }

    public double v() {
      return Double.longBitsToDouble(vBits);
    }

    public long valueBits() {
      return vBits;
    }

    public boolean next() {
      if (read >= total) {
        return false;
      }
      if (read == 0) {
        long u = readUvarint();
        t = (u >>> 1) ^ -(u & 1);
        vBits = readBits(64);
      } else {
        if (read == 1) {
          tDelta = readUvarint();
        } else {
          long dod;
          if (readBit() == 0) {
            dod = 0;
          } else if (readBit() == 0) {
            dod = signed(readBits(14), 14);
          } else if (readBit() == 0) {
            dod = signed(readBits(17), 17);
          } else if (readBit() == 0) {
            dod = signed(readBits(20), 20);
          } else {
            dod = readBits(64);
          }
          tDelta += dod;
        }
        t += tDelta;
        readXor();
      }
      read++;
      return true;
    }

    private void readXor() {
      if (readBit() == 0) {
        return;
      }
      if (readBit() != 0) {
        leading = (int) readBits(5);
        int sig = (int) readBits(6);
        if (sig == 0) {
          sig = 64;
        }
        trailing = 64 - leading - sig;
      }
      int sig = 64 - leading - trailing;
      vBits ^= readBits(sig) << trailing;
    }

    private static long signed(long bits, int n) {
      return bits > (1L << (n - 1)) ? bits - (1L << n) : bits;
    }

    private long readUvarint() {
      long x = 0;
      for (int shift = 0; shift < 70; shift += 7) {
        long b = readBits(8);
        x |= (b & 0x7f) << shift;
        if (b < 0x80) {
          return x;
        }
      }
      throw new IllegalStateException("varint overflow");
    }

    /**
     * The next {@code n} bits, most significant first. Query reads decode every sample of every
     * chunk they touch, so the common case takes the bits from one big-endian 8-byte load (any
     * {@code n <= 56} fits in it whatever the bit offset) instead of a byte at a time; bytes after
     * the chunk that the load may cover are shifted out.
     */
    private long readBits(int n) {
      if (bitPos + n > (long) end * 8) {
        throw new IllegalStateException("chunk truncated");
      }
      int pos = (int) (bitPos >>> 3);
      if (n <= 56 && n > 0 && pos <= data.length - 8) {
        long word = (long) BIG_ENDIAN_LONG.get(data, pos);
        long out = (word << (bitPos & 7)) >>> (64 - n);
        bitPos += n;
        return out;
      }
      return readBitsBytewise(n);
    }

    /** One bit; the control bits of every sample. */
    private int readBit() {
      if (bitPos >= (long) end * 8) {
        throw new IllegalStateException("chunk truncated");
      }
      int bit = (data[(int) (bitPos >>> 3)] >>> (7 - (int) (bitPos & 7))) & 1;
      bitPos++;
      return bit;
    }

    /** {@link #readBits} near the end of the array and for more than 56 bits. */
    private long readBitsBytewise(int n) {
      long out = 0;
      while (n > 0) {
        int pos = (int) (bitPos >>> 3);
        int avail = 8 - (int) (bitPos & 7);
        int take = Math.min(avail, n);
        int part = ((data[pos] & 0xff) >>> (avail - take)) & ((1 << take) - 1);
        out = (out << take) | part;
        bitPos += take;
        n -= take;
      }
      return out;
    }
  }
}
