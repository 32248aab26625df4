package io.meshlens.bench;

import io.meshlens.model.Labels;
import io.meshlens.store.XorChunk;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.CRC32C;
import org.roaringbitmap.RoaringBitmap;

/**
 * Candidate (c) on disk: a compacted, immutable time block in the shape of a Prometheus TSDB block.
 *
 * <pre>
 * chunks  per chunk: uvarint length, 1 byte encoding (1 = XOR), chunk bytes, CRC32C (4 bytes)
 * index   symbols (sorted strings), series (label symbol refs, chunk metas: min time, max time,
 *         chunk file offset, all varint-delta coded), postings per label pair and per visible
 *         tenant (RoaringBitmap portable serialization, run-optimized), CRC32C
 * </pre>
 *
 * {@link #open(Path)} loads the index into memory (that is a restart's work for this block) and
 * maps the chunks file; {@link #read} decodes the chunks of some series that overlap a time range.
 */
final class GorillaBlock {

  static final String CHUNKS = "chunks";
  static final String INDEX = "index";

  /** One series to write: labels, visibility, and its samples in time order. */
  record Input(Labels labels, Set<String> visibleTo, long[] ts, double[] vs, int n) {}

  /** What a write produced. */
  record Written(long chunkFileBytes, long indexBytes, long samples, long chunks, long nanos) {}

  private GorillaBlock() {}

  static Written write(Path dir, List<Input> series) throws IOException {
    long start = System.nanoTime();
    Files.createDirectories(dir);
    // Symbols, sorted, as Prometheus' index has them.
    TreeSet<String> sortedSymbols = new TreeSet<>();
    for (Input s : series) {
      s.labels()
          .forEach(
              (n, v) -> {
                sortedSymbols.add(n);
                sortedSymbols.add(v);
              });
      sortedSymbols.addAll(s.visibleTo());
    }
    Map<String, Integer> symbolId = new HashMap<>();
    for (String s : sortedSymbols) {
      symbolId.put(s, symbolId.size());
    }

    long samples = 0;
    long chunks = 0;
    ByteArrayOutputStream seriesSection = new ByteArrayOutputStream();
    Map<Long, RoaringBitmap> postings = new TreeMap<>();
    Map<Integer, RoaringBitmap> tenantPostings = new TreeMap<>();
    long chunkBytes;
    CRC32C crc = new CRC32C();
    try (CountingStream chunkOut =
        new CountingStream(
            new BufferedOutputStream(Files.newOutputStream(dir.resolve(CHUNKS)), 1 << 20))) {
      byte[] tmp = new byte[16];
      for (int id = 0; id < series.size(); id++) {
        Input s = series.get(id);
        Labels l = s.labels();
        writeUvarint(seriesSection, l.size());
        for (int i = 0; i < l.size(); i++) {
          int n = symbolId.get(l.name(i));
          int v = symbolId.get(l.value(i));
          writeUvarint(seriesSection, n);
          writeUvarint(seriesSection, v);
          final int sid = id;
          postings.computeIfAbsent(((long) n << 32) | v, k -> new RoaringBitmap()).add(sid);
        }
        for (String t : s.visibleTo()) {
          tenantPostings.computeIfAbsent(symbolId.get(t), k -> new RoaringBitmap()).add(id);
        }
        int nChunks = (s.n() + XorChunk.SAMPLES_PER_CHUNK - 1) / XorChunk.SAMPLES_PER_CHUNK;
        writeUvarint(seriesSection, nChunks);
        long prevMax = 0;
        long prevRef = 0;
        for (int c = 0; c < nChunks; c++) {
          int from = c * XorChunk.SAMPLES_PER_CHUNK;
          int to = Math.min(s.n(), from + XorChunk.SAMPLES_PER_CHUNK);
          XorChunk chunk = new XorChunk(256);
          for (int i = from; i < to; i++) {
            chunk.append(s.ts()[i], s.vs()[i]);
          }
          long ref = chunkOut.count;
          int len = chunk.sizeBytes();
          int vl = putUvarint(tmp, len);
          chunkOut.write(tmp, 0, vl);
          chunkOut.write(1);
          chunkOut.write(chunk.buffer(), 0, len);
          crc.reset();
          crc.update(chunk.buffer(), 0, len);
          int sum = (int) crc.getValue();
          chunkOut.write(sum >>> 24);
          chunkOut.write(sum >>> 16);
          chunkOut.write(sum >>> 8);
          chunkOut.write(sum);
          long mint = s.ts()[from];
          long maxt = s.ts()[to - 1];
          writeVarint(seriesSection, c == 0 ? mint : mint - prevMax);
          writeUvarint(seriesSection, maxt - mint);
          writeUvarint(seriesSection, ref - prevRef);
          prevMax = maxt;
          prevRef = ref;
          samples += to - from;
          chunks++;
        }
      }
      chunkOut.flush();
      chunkBytes = chunkOut.count;
    }

    try (DataOutputStream out =
        new DataOutputStream(
            new BufferedOutputStream(Files.newOutputStream(dir.resolve(INDEX)), 1 << 20))) {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      head.write(new byte[] {'M', 'L', 'B', '1'});
      writeUvarint(head, sortedSymbols.size());
      for (String s : sortedSymbols) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeUvarint(head, b.length);
        head.write(b);
      }
      writeUvarint(head, series.size());
      out.write(head.toByteArray());
      seriesSection.writeTo(out);
      ByteArrayOutputStream post = new ByteArrayOutputStream();
      writeUvarint(post, postings.size());
      for (Map.Entry<Long, RoaringBitmap> e : postings.entrySet()) {
        writeUvarint(post, e.getKey() >>> 32);
        writeUvarint(post, e.getKey() & 0xffffffffL);
        writeBitmap(post, e.getValue());
      }
      writeUvarint(post, tenantPostings.size());
      for (Map.Entry<Integer, RoaringBitmap> e : tenantPostings.entrySet()) {
        writeUvarint(post, e.getKey());
        writeBitmap(post, e.getValue());
      }
      out.write(post.toByteArray());
      out.writeInt(0); // checksum slot; the spike does not verify the index
    }
    return new Written(
        chunkBytes, Files.size(dir.resolve(INDEX)), samples, chunks, System.nanoTime() - start);
  }

  private static void writeBitmap(ByteArrayOutputStream out, RoaringBitmap b) throws IOException {
    b.runOptimize();
    ByteBuffer bb = ByteBuffer.allocate(b.serializedSizeInBytes());
    b.serialize(bb);
    writeUvarint(out, bb.capacity());
    out.write(bb.array());
  }

  // ------------------------------------------------------------------ reading

  /** An opened block: index in memory, chunks mapped. */
  static final class Reader implements AutoCloseable {
    final String[] symbols;
    final int[][] labels;
    final int[] firstChunk;
    final long[] chunkMin;
    final long[] chunkMax;
    final long[] chunkRef;
    final Map<Long, RoaringBitmap> postings;
    final Map<String, RoaringBitmap> tenants;
    private final FileChannel channel;
    private final MappedByteBuffer chunks;
    private final Map<String, Integer> symbolIds = new HashMap<>();

    private Reader(Path dir) throws IOException {
      ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(dir.resolve(INDEX)));
      byte[] magic = new byte[4];
      in.get(magic);
      if (!Arrays.equals(magic, new byte[] {'M', 'L', 'B', '1'})) {
        throw new IOException("not a block index: " + dir);
      }
      symbols = new String[(int) readUvarint(in)];
      for (int i = 0; i < symbols.length; i++) {
        int len = (int) readUvarint(in);
        symbols[i] = new String(in.array(), in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        symbolIds.put(symbols[i], i);
      }
      int n = (int) readUvarint(in);
      labels = new int[n][];
      firstChunk = new int[n + 1];
      long[] mins = new long[n * 4];
      long[] maxs = new long[n * 4];
      long[] refs = new long[n * 4];
      int c = 0;
      for (int s = 0; s < n; s++) {
        int nl = (int) readUvarint(in);
        int[] l = new int[nl * 2];
        for (int i = 0; i < l.length; i++) {
          l[i] = (int) readUvarint(in);
        }
        labels[s] = l;
        int nc = (int) readUvarint(in);
        firstChunk[s] = c;
        long prevMax = 0;
        long prevRef = 0;
        for (int k = 0; k < nc; k++) {
          if (c == mins.length) {
            mins = Arrays.copyOf(mins, c * 2);
            maxs = Arrays.copyOf(maxs, c * 2);
            refs = Arrays.copyOf(refs, c * 2);
          }
          long d = readUvarint(in);
          long mint = (d >>> 1) ^ -(d & 1);
          mint = k == 0 ? mint : prevMax + mint;
          long maxt = mint + readUvarint(in);
          long ref = prevRef + readUvarint(in);
          mins[c] = mint;
          maxs[c] = maxt;
          refs[c] = ref;
          prevMax = maxt;
          prevRef = ref;
          c++;
        }
      }
      firstChunk[n] = c;
      chunkMin = Arrays.copyOf(mins, c);
      chunkMax = Arrays.copyOf(maxs, c);
      chunkRef = Arrays.copyOf(refs, c);
      int np = (int) readUvarint(in);
      postings = new HashMap<>(np * 2);
      for (int i = 0; i < np; i++) {
        long key = (readUvarint(in) << 32) | readUvarint(in);
        postings.put(key, readBitmap(in));
      }
      int nt = (int) readUvarint(in);
      tenants = new HashMap<>();
      for (int i = 0; i < nt; i++) {
        String t = symbols[(int) readUvarint(in)];
        tenants.put(t, readBitmap(in));
      }
      channel = FileChannel.open(dir.resolve(CHUNKS), StandardOpenOption.READ);
      chunks = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size());
    }

    int seriesCount() {
      return labels.length;
    }

    /** Series ids visible to any of {@code tenantSet} with label {@code name="value"}. */
    RoaringBitmap select(Set<String> tenantSet, String name, String value) {
      RoaringBitmap scope = new RoaringBitmap();
      for (String t : tenantSet) {
        RoaringBitmap b = tenants.get(t);
        if (b != null) {
          scope.or(b);
        }
      }
      Integer n = symbolIds.get(name);
      Integer v = symbolIds.get(value);
      RoaringBitmap p = n == null || v == null ? null : postings.get(((long) n << 32) | v);
      return p == null ? new RoaringBitmap() : RoaringBitmap.and(scope, p);
    }

    /**
     * Decodes the samples of series {@code id} in [minT, maxT] into the arrays; returns the count.
     */
    int read(int id, long minT, long maxT, long[] tsOut, double[] vsOut, byte[] scratch) {
      int n = 0;
      for (int c = firstChunk[id]; c < firstChunk[id + 1]; c++) {
        if (chunkMax[c] < minT || chunkMin[c] > maxT) {
          continue;
        }
        int pos = (int) chunkRef[c];
        long len = 0;
        int shift = 0;
        while (true) {
          int b = chunks.get(pos++) & 0xff;
          len |= (long) (b & 0x7f) << shift;
          if (b < 0x80) {
            break;
          }
          shift += 7;
        }
        pos++; // encoding
        if (len > scratch.length) {
          scratch = new byte[(int) len];
        }
        chunks.get(pos, scratch, 0, (int) len);
        XorChunk.Reader r = XorChunk.reader(scratch, 0, (int) len);
        while (r.next()) {
          long t = r.t();
          if (t > maxT) {
            break;
          }
          if (t >= minT) {
            tsOut[n] = t;
            vsOut[n] = r.v();
            n++;
          }
        }
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  static Reader open(Path dir) throws IOException {
    return new Reader(dir);
  }

  private static RoaringBitmap readBitmap(ByteBuffer in) throws IOException {
    int len = (int) readUvarint(in);
    RoaringBitmap b = new RoaringBitmap();
    ByteBuffer slice = in.slice();
    slice.limit(len);
    b.deserialize(slice);
    in.position(in.position() + len);
    return b;
  }

  // ------------------------------------------------------------------ varints

  static void writeUvarint(OutputStream out, long x) throws IOException {
    while (Long.compareUnsigned(x, 0x80) >= 0) {
      out.write((int) (x & 0x7f) | 0x80);
      x >>>= 7;
    }
    out.write((int) x);
  }

  static void writeVarint(OutputStream out, long x) throws IOException {
    writeUvarint(out, (x << 1) ^ (x >> 63));
  }

  static int putUvarint(byte[] b, long x) {
    int i = 0;
    while (Long.compareUnsigned(x, 0x80) >= 0) {
      b[i++] = (byte) ((x & 0x7f) | 0x80);
      x >>>= 7;
    }
    b[i++] = (byte) x;
    return i;
  }

  static long readUvarint(ByteBuffer in) {
    long x = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      int b = in.get() & 0xff;
      x |= (long) (b & 0x7f) << shift;
      if (b < 0x80) {
        return x;
      }
    }
    throw new IllegalStateException("varint overflow");
  }

  /** Counts bytes written, for chunk references. */
  private static final class CountingStream extends OutputStream {
    private final OutputStream out;
    long count;

    CountingStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void flush() throws IOException {
      out.flush();
    }

    @Override
    public void close() throws IOException {
      out.close();
    }
  }
}
