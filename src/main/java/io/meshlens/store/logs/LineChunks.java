package io.meshlens.store.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4FastDecompressor;

/**
 * The raw access log lines, kept apart from the searchable fields in DuckDB: appended to files of
 * LZ4-compressed blocks, one set of files per UTC day, and found again by a reference ({@code
 * long}) that the entry's row holds. Writing a line here costs a copy and a compression; writing it
 * into a DuckDB column costs about twice the rest of the row ({@code
 * docs/benchmarks/log-table-write.md}).
 *
 * <p>A file is named {@code lines-<file>-d<day>.lz4b} and holds blocks one after another: a 20-byte
 * header (magic, compressed length, uncompressed length, line count, CRC32C of the compressed
 * bytes, little-endian) and the compressed lines, each as its UTF-8 length (varint) and bytes. A
 * reference packs the file number (20 bits), the block's offset in the file (36 bits) and the
 * line's index in the block (8 bits), so a block holds at most {@value #MAX_LINES_PER_BLOCK} lines;
 * a block also ends after {@value #BLOCK_BYTES} bytes of lines, so that reading one line
 * decompresses little. A block holds the lines of one group only (the store's groups are tenants),
 * so that {@link #erase} can overwrite one tenant's lines in place when its own, shorter retention
 * passes, without rewriting the file or moving anyone's references.
 *
 * <p>Durability: {@link #append} writes and forces the blocks to disk before it returns the
 * references; the caller stores them (with the Kafka offsets) afterwards. Blocks that were written
 * but never referenced (a crash or a failed transaction in between) are dead bytes that nothing
 * reads, so opening needs no recovery. A new file is entered into its directory durably, and its
 * number is recorded in {@code next-file} first, so that no number is ever given twice (a reference
 * into a dropped file must not read another file's lines). A day's files go when retention drops
 * the day. An erased block keeps its length and loses its magic and its bytes; its lines read as
 * {@code null}.
 *
 * <p>Concurrency: {@link #append}, {@link #erase} and {@link #dropBefore} are called by the store's
 * one writer and exclude each other; {@link #read} runs on any thread and takes no lock they hold.
 * A read channel closed under a reader (an interrupted thread closes it for everyone) is replaced.
 */
public final class LineChunks implements AutoCloseable {

  /** Uncompressed bytes after which a block ends. */
  static final int BLOCK_BYTES = 64 << 10;

  /** Lines a block holds at most (the reference's index has 8 bits). */
  static final int MAX_LINES_PER_BLOCK = 255;

  /** Size after which the writer starts a day's next file. */
  static final long FILE_BYTES = 1L << 30;

  private static final int MAGIC = 0x4d4c4231; // "MLB1"
  private static final int ERASED = 0x4d4c4230; // "MLB0"
  private static final int HEADER = 20;
  private static final int FILE_BITS = 20;
  private static final int OFFSET_BITS = 36;
  private static final int INDEX_BITS = 8;
  private static final Pattern NAME = Pattern.compile("lines-(\\d+)-d(-?\\d+)\\.lz4b");

  private static final LZ4Factory LZ4 = lz4();

  /**
   * LZ4 through JNI where the native library loads, else in Java. Not {@code fastestInstance()}: it
   * takes the Java one whenever lz4-java was loaded by a class loader other than the system one,
   * which is the case in the service (Quarkus' class loader), and the Java one took about a fifth
   * of the storing thread's time in the ingest benchmark.
   */
  private static LZ4Factory lz4() {
    try {
      return LZ4Factory.nativeInstance();
    } catch (Throwable e) { // UnsatisfiedLinkError and friends: no native library here
      org.jboss.logging.Logger.getLogger(LineChunks.class)
          .warnf(
              "LZ4's native library did not load (%s): access log lines are compressed in Java, more slowly",
              e);
      return LZ4Factory.fastestJavaInstance();
    }
  }

  private final Path directory;
  private final LZ4Compressor compressor = LZ4.fastCompressor();
  private final LZ4FastDecompressor decompressor = LZ4.fastDecompressor();

  /** Every file: number -> its day; changed under this, read without. */
  private final java.util.concurrent.ConcurrentSkipListMap<Integer, Long> files =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  /** The file each day appends to, open for writing; guarded by this. */
  private final Map<Long, Writer> writers = new HashMap<>();

  /** Files open for reading, by number; reads take no lock. */
  private final Map<Integer, FileChannel> readers = new java.util.concurrent.ConcurrentHashMap<>();

  /** Recently read blocks, decompressed: (file, offset) -> lines; guarded by itself. */
  private final Map<Long, String[]> blockCache =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, String[]> eldest) {
          return size() > 64;
        }
      };

  private int nextFile;

  private static final class Writer {
    final int file;
    final FileChannel channel;
    long size;

    Writer(int file, FileChannel channel, long size) {
      this.file = file;
      this.channel = channel;
      this.size = size;
    }
  }

  /** Opens (creating when needed) the line files under {@code directory}. */
  public LineChunks(Path directory) {
    this.directory = directory;
    try {
      Files.createDirectories(directory);
      try (DirectoryStream<Path> found = Files.newDirectoryStream(directory, "lines-*.lz4b")) {
        for (Path f : found) {
          Matcher m = NAME.matcher(f.getFileName().toString());
          if (m.matches()) {
            files.put(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the line files in " + directory, e);
    }
    nextFile = Math.max(files.isEmpty() ? 0 : files.lastKey() + 1, storedNextFile());
  }

  /** Where the next file number is kept, so that no number is ever used twice. */
  private Path nextFilePath() {
    return directory.resolve("next-file");
  }

  private int storedNextFile() {
    try {
      return Files.exists(nextFilePath())
          ? Integer.parseInt(Files.readString(nextFilePath()).trim())
          : 0;
    } catch (IOException | NumberFormatException e) {
      throw new IllegalStateException("cannot read " + nextFilePath() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Records that numbers below {@code next} are taken, durably, before a file gets one: a number
   * used again (after its file was dropped) would let a reference of the old file read the new one.
   */
  private void storeNextFile(int next) throws IOException {
    Path tmp = directory.resolve("next-file.tmp");
    try (FileChannel c =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      c.write(ByteBuffer.wrap((next + "\n").getBytes(StandardCharsets.US_ASCII)));
      c.force(true);
    }
    Files.move(
        tmp,
        nextFilePath(),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  /** Forces the directory's entries (new and renamed files) to disk. */
  private void forceDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(directory, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private Path path(int file, long day) {
    return directory.resolve("lines-" + file + "-d" + day + ".lz4b");
  }

  /**
   * Appends lines (UTF-8) of one UTC {@code day}, each group in blocks of its own, and forces them
   * to disk.
   *
   * @return each line's reference, by group and in order
   */
  public synchronized long[][] append(long day, List<List<byte[]>> groups) throws IOException {
    long[][] refs = new long[groups.size()][];
    Writer w = writer(day);
    // Lay the lines out in blocks, compress the blocks (in parallel: the ingest threads that
    // decoded the batch wait for it to be stored), then number them by their offsets.
    List<int[]> spans = new ArrayList<>(); // group, first line, lines
    for (int g = 0; g < groups.size(); g++) {
      List<byte[]> lines = groups.get(g);
      refs[g] = new long[lines.size()];
      int first = 0;
      while (first < lines.size()) {
        int n = 0;
        int size = 0;
        while (first + n < lines.size() && n < MAX_LINES_PER_BLOCK && size < BLOCK_BYTES) {
          size += lines.get(first + n).length + 5;
          n++;
        }
        spans.add(new int[] {g, first, n});
        first += n;
      }
    }
    ByteBuffer[] blocks = new ByteBuffer[spans.size()];
    java.util.stream.IntStream.range(0, blocks.length)
        .parallel()
        .forEach(
            k -> {
              int[] sp = spans.get(k);
              blocks[k] = block(groups.get(sp[0]), sp[1], sp[2]);
            });
    long offset = w.size;
    for (int k = 0; k < blocks.length; k++) {
      int[] sp = spans.get(k);
      for (int i = 0; i < sp[2]; i++) {
        refs[sp[0]][sp[1] + i] = ref(w.file, offset, i);
      }
      offset += blocks[k].remaining();
    }
    if (offset >= 1L << OFFSET_BITS) {
      throw new IOException("line file " + path(w.file, day) + " is full");
    }
    ByteBuffer[] all = blocks;
    long want = offset - w.size;
    long written = 0;
    try {
      while (written < want) {
        written += w.channel.write(all);
      }
      w.channel.force(false);
    } catch (IOException e) {
      // Part of the blocks may be in the file: the next append starts a new one, so that its
      // offsets are right again.
      writers.remove(day);
      closeQuietly(w.channel);
      throw e;
    }
    w.size = offset;
    if (w.size >= FILE_BYTES) {
      w.channel.close();
      writers.remove(day);
    }
    return refs;
  }

  /**
   * Overwrites, in place, the blocks that hold the lines of {@code refs} (with every other line of
   * those blocks: lines of the same group) and forces them to disk; reading them afterwards fails.
   *
   * @return the number of blocks erased
   */
  public synchronized int erase(long[] refs) throws IOException {
    TreeSet<Long> keys = new TreeSet<>();
    for (long r : refs) {
      keys.add(r >>> INDEX_BITS);
    }
    int erased = 0;
    FileChannel out = null;
    int outFile = -1;
    try {
      // Keys in order: one file after the other, each opened and forced once.
      for (long key : keys) {
        int file = (int) (key >>> OFFSET_BITS);
        long offset = key & ((1L << OFFSET_BITS) - 1);
        Long day = files.get(file);
        if (day == null) {
          continue; // dropped with its day already
        }
        if (file != outFile) {
          if (out != null) {
            out.force(false);
            out.close();
          }
          out =
              FileChannel.open(path(file, day), StandardOpenOption.READ, StandardOpenOption.WRITE);
          outFile = file;
        }
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        readFully(out, h, offset);
        if (h.getInt(0) != MAGIC) {
          continue; // erased before
        }
        ByteBuffer blank = ByteBuffer.allocate(HEADER + h.getInt(4)).order(ByteOrder.LITTLE_ENDIAN);
        blank.putInt(0, ERASED).putInt(4, h.getInt(4));
        long at = offset;
        while (blank.hasRemaining()) {
          at += out.write(blank, at);
        }
        erased++;
      }
      if (out != null) {
        out.force(false);
      }
    } finally {
      if (out != null) {
        out.close();
      }
    }
    synchronized (blockCache) {
      blockCache.keySet().removeAll(keys);
    }
    return erased;
  }

  private static void closeQuietly(FileChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // Already failing: the first error is the one reported.
    }
  }

  /** Lines {@code [first, first + n)} of {@code lines} as one compressed block. */
  private ByteBuffer block(List<byte[]> lines, int first, int n) {
    int size = 0;
    for (int i = first; i < first + n; i++) {
      size += lines.get(i).length + 5;
    }
    ByteBuffer raw = ByteBuffer.allocate(size);
    for (int i = first; i < first + n; i++) {
      byte[] b = lines.get(i);
      putVarint(raw, b.length);
      raw.put(b);
    }
    return compress(raw.array(), raw.position(), n);
  }

  private ByteBuffer compress(byte[] raw, int length, int lines) {
    byte[] out = new byte[HEADER + compressor.maxCompressedLength(length)];
    int compressed = compressor.compress(raw, 0, length, out, HEADER);
    CRC32C crc = new CRC32C();
    crc.update(out, HEADER, compressed);
    ByteBuffer.wrap(out, 0, HEADER)
        .order(ByteOrder.LITTLE_ENDIAN)
        .putInt(MAGIC)
        .putInt(compressed)
        .putInt(length)
        .putInt(lines)
        .putInt((int) crc.getValue());
    return ByteBuffer.wrap(out, 0, HEADER + compressed);
  }

  private Writer writer(long day) throws IOException {
    Writer w = writers.get(day);
    if (w != null) {
      return w;
    }
    int file = nextFile;
    if (file >= 1 << FILE_BITS) {
      throw new IOException("no line file numbers left in " + directory);
    }
    storeNextFile(file + 1);
    nextFile++;
    FileChannel ch =
        FileChannel.open(
            path(file, day),
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND);
    forceDirectory();
    files.put(file, day);
    w = new Writer(file, ch, 0);
    writers.put(day, w);
    return w;
  }

  static long ref(int file, long offset, int index) {
    return ((long) file << (OFFSET_BITS + INDEX_BITS)) | (offset << INDEX_BITS) | index;
  }

  private static void putVarint(ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  private static int getVarint(ByteBuffer b) {
    int v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b.get();
      v |= (x & 0x7f) << shift;
      if (x >= 0) {
        return v;
      }
    }
  }

  /**
   * The line of each reference, in order; {@code null} for a line {@link #erase erased} (its
   * entry's row is about to go too).
   */
  public List<String> read(long[] refs) throws IOException {
    List<String> out = new ArrayList<>(refs.length);
    for (long r : refs) {
      int index = (int) (r & ((1 << INDEX_BITS) - 1));
      String[] block = block(r >>> INDEX_BITS);
      if (block == ERASED_BLOCK) {
        out.add(null);
        continue;
      }
      if (index >= block.length) {
        throw new IOException("line reference " + r + " is beyond its block");
      }
      out.add(block[index]);
    }
    return out;
  }

  /** The line of one reference. */
  public String read(long ref) throws IOException {
    return read(new long[] {ref}).get(0);
  }

  /** What {@link #block} gives for an erased block. */
  private static final String[] ERASED_BLOCK = new String[0];

  private String[] block(long key) throws IOException {
    synchronized (blockCache) {
      String[] b = blockCache.get(key);
      if (b != null) {
        return b;
      }
    }
    int file = (int) (key >>> OFFSET_BITS);
    long offset = key & ((1L << OFFSET_BITS) - 1);
    try {
      return block(key, file, offset, channel(file));
    } catch (java.nio.channels.ClosedChannelException e) {
      // Closed under this read: an interrupted reader closes a shared channel for everyone, or
      // the file was dropped. Once more on a channel of its own.
      try (FileChannel ch = FileChannel.open(path(file, day(file)), StandardOpenOption.READ)) {
        return block(key, file, offset, ch);
      }
    }
  }

  private long day(int file) throws IOException {
    Long day = files.get(file);
    if (day == null) {
      throw new IOException("no line file " + file + " in " + directory);
    }
    return day;
  }

  private String[] block(long key, int file, long offset, FileChannel ch) throws IOException {
    ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
    readFully(ch, h, offset);
    h.flip();
    if (h.getInt(0) == ERASED) {
      return ERASED_BLOCK;
    }
    if (h.getInt(0) != MAGIC) {
      throw new IOException("no line block at " + offset + " of line file " + file);
    }
    int compressed = h.getInt(4);
    int length = h.getInt(8);
    int lines = h.getInt(12);
    if (compressed < 0 || length < 0 || lines < 0 || lines > MAX_LINES_PER_BLOCK) {
      throw new IOException("damaged line block header at " + offset + " of line file " + file);
    }
    ByteBuffer c = ByteBuffer.allocate(compressed);
    readFully(ch, c, offset + HEADER);
    CRC32C crc = new CRC32C();
    crc.update(c.array(), 0, compressed);
    if ((int) crc.getValue() != h.getInt(16)) {
      throw new IOException("line block at " + offset + " of line file " + file + " is damaged");
    }
    byte[] raw = new byte[length];
    decompressor.decompress(c.array(), 0, raw, 0, length);
    ByteBuffer in = ByteBuffer.wrap(raw);
    List<String> out = new ArrayList<>(lines);
    for (int k = 0; k < lines; k++) {
      int n = getVarint(in);
      out.add(new String(raw, in.position(), n, StandardCharsets.UTF_8));
      in.position(in.position() + n);
    }
    String[] b = out.toArray(new String[0]);
    synchronized (blockCache) {
      blockCache.put(key, b);
    }
    return b;
  }

  private static void readFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    while (b.hasRemaining()) {
      int n = ch.read(b, position + b.position());
      if (n < 0) {
        throw new IOException("line file ends at " + (position + b.position()));
      }
    }
  }

  /** The shared read channel of {@code file}; a closed one is replaced. */
  private FileChannel channel(int file) throws IOException {
    FileChannel ch = readers.get(file);
    if (ch != null && ch.isOpen()) {
      return ch;
    }
    synchronized (readers) {
      ch = readers.get(file);
      if (ch == null || !ch.isOpen()) {
        ch = FileChannel.open(path(file, day(file)), StandardOpenOption.READ);
        readers.put(file, ch);
      }
      return ch;
    }
  }

  /** Deletes every file of the days before {@code firstKeptDay}; returns how many. */
  public synchronized int dropBefore(long firstKeptDay) throws IOException {
    List<Integer> gone = new ArrayList<>();
    files.forEach(
        (file, day) -> {
          if (day < firstKeptDay) {
            gone.add(file);
          }
        });
    for (int file : gone) {
      long day = files.remove(file);
      Writer w = writers.get(day);
      if (w != null && w.file == file) {
        w.channel.close();
        writers.remove(day);
      }
      FileChannel r = readers.remove(file);
      if (r != null) {
        r.close();
      }
      Files.deleteIfExists(path(file, day));
    }
    synchronized (blockCache) {
      blockCache.keySet().removeIf(k -> gone.contains((int) (k >>> OFFSET_BITS)));
    }
    return gone.size();
  }

  /** The days that have line files, sorted. */
  public synchronized List<Long> days() {
    return files.values().stream().distinct().sorted().toList();
  }

  @Override
  public synchronized void close() throws IOException {
    IOException first = null;
    List<FileChannel> all = new ArrayList<>(readers.values());
    writers.values().forEach(w -> all.add(w.channel));
    for (FileChannel c : all) {
      try {
        c.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    readers.clear();
    writers.clear();
    if (first != null) {
      throw first;
    }
  }
}
