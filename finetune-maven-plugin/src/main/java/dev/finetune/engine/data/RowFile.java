package dev.finetune.engine.data;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of float features with an int label and a source line each, in a compact binary file that is read by row
 * index through memory maps: what a CSV is parsed into once, and what the frozen-feature cache spills to. Needs no
 * ND4J, so Maven's JVM writes and reads it too.
 *
 * <p>Layout, little-endian: a 64-byte header (magic {@code FTROWS}, version, features per row, rows, then the offsets
 * of the label, line and trailer sections), the features row-major as float32 from byte 64, the labels as int32, the
 * lines as int32, and a trailer of UTF-8 strings (each an int32 length and its bytes): what the writer was given,
 * such as the class names the labels index. Labels and lines sit apart from the features so reading them (for splits
 * and class counts) touches none of the feature pages.
 */
public final class RowFile implements AutoCloseable {

    static final byte[] MAGIC = {'F', 'T', 'R', 'O', 'W', 'S', 0, 1};
    static final int VERSION = 1;
    static final int HEADER = 64;
    /** Memory maps are at most 2 GiB: the feature section is mapped in segments of whole rows below that. */
    private static final long SEGMENT_BYTES = 1L << 30;

    private final Path file;
    private final FileChannel channel;
    private final int featureCount;
    private final int rowCount;
    private final int rowsPerSegment;
    private final FloatBuffer[] segments;
    private final long labelsOffset;
    private final long linesOffset;
    private final List<String> trailer;

    private RowFile(Path file) throws IOException {
        this.file = file;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        readFully(header, 0);
        header.flip();
        byte[] magic = new byte[MAGIC.length];
        header.get(magic);
        if (!Arrays.equals(magic, MAGIC) || header.getInt() != VERSION) {
            channel.close();
            throw new IOException(file + ": not a row file of version " + VERSION);
        }
        featureCount = header.getInt();
        rowCount = header.getInt();
        header.getInt();
        labelsOffset = header.getLong();
        linesOffset = header.getLong();
        long trailerOffset = header.getLong();
        int rowBytes = Math.max(1, featureCount * Float.BYTES);
        rowsPerSegment = (int) Math.max(1, SEGMENT_BYTES / rowBytes);
        int segmentCount = rowCount == 0 ? 0 : (rowCount - 1) / rowsPerSegment + 1;
        segments = new FloatBuffer[segmentCount];
        for (int s = 0; s < segmentCount; s++) {
            long first = (long) s * rowsPerSegment;
            long rows = Math.min(rowsPerSegment, rowCount - first);
            segments[s] = channel.map(FileChannel.MapMode.READ_ONLY, HEADER + first * featureCount * Float.BYTES,
                    rows * featureCount * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        }
        ByteBuffer strings = ByteBuffer.allocate((int) (channel.size() - trailerOffset)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(strings, trailerOffset);
        strings.flip();
        List<String> read = new ArrayList<>();
        while (strings.remaining() >= Integer.BYTES) {
            byte[] bytes = new byte[strings.getInt()];
            strings.get(bytes);
            read.add(new String(bytes, StandardCharsets.UTF_8));
        }
        trailer = List.copyOf(read);
    }

    /** Opens a file written by {@link Writer}; its features are read through memory maps, not loaded. */
    public static RowFile open(Path file) throws IOException {
        return new RowFile(file);
    }

    private void readFully(ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into, position + into.position()) < 0) {
                throw new IOException(file + ": truncated row file");
            }
        }
    }

    public Path file() {
        return file;
    }

    public int featureCount() {
        return featureCount;
    }

    public int rowCount() {
        return rowCount;
    }

    /** The strings the writer was given at {@link Writer#finish}. */
    public List<String> trailer() {
        return trailer;
    }

    /** Copies row {@code row}'s features into {@code into} from {@code offset}. Safe from several threads at once. */
    public void read(int row, float[] into, int offset) {
        FloatBuffer segment = segments[row / rowsPerSegment];
        segment.get((row % rowsPerSegment) * featureCount, into, offset, featureCount);
    }

    public int[] labels() {
        return ints(labelsOffset);
    }

    /** Each row's line in its source file (1-based), or 0 where rows have no source line. */
    public int[] lines() {
        return ints(linesOffset);
    }

    private int[] ints(long offset) {
        try {
            ByteBuffer bytes = ByteBuffer.allocate(rowCount * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(bytes, offset);
            bytes.flip();
            int[] out = new int[rowCount];
            bytes.asIntBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /**
     * Writes rows one at a time to a temporary file beside the target and moves it into place at {@link #finish}, so
     * a reader never sees a half-written file (a killed build leaves only a {@code .part} file). Labels and lines are
     * kept in memory until then: 8 bytes a row.
     */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final int featureCount;
        private final DataOutputStream out;
        private final ByteBuffer row;
        private int[] labels = new int[1024];
        private int[] lines = new int[1024];
        private int rows;
        private boolean finished;

        public Writer(Path target, int featureCount) throws IOException {
            this.target = target;
            this.featureCount = featureCount;
            Files.createDirectories(target.toAbsolutePath().getParent());
            this.temp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".part");
            OutputStream stream = Files.newOutputStream(temp);
            this.out = new DataOutputStream(new BufferedOutputStream(stream, 1 << 16));
            out.write(new byte[HEADER]);
            this.row = ByteBuffer.allocate(featureCount * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        }

        public int rows() {
            return rows;
        }

        /** Appends one row: {@code featureCount} floats of {@code features} from {@code offset}. */
        public void add(float[] features, int offset, int label, int line) throws IOException {
            row.clear();
            row.asFloatBuffer().put(features, offset, featureCount);
            out.write(row.array());
            if (rows == labels.length) {
                labels = Arrays.copyOf(labels, rows * 2);
                lines = Arrays.copyOf(lines, rows * 2);
            }
            labels[rows] = label;
            lines[rows] = line;
            rows++;
        }

        /** Writes labels, lines and the trailer, then moves the file into place. */
        public void finish(List<String> trailer) throws IOException {
            long labelsOffset = HEADER + (long) rows * featureCount * Float.BYTES;
            writeInts(labels);
            writeInts(lines);
            long trailerOffset = labelsOffset + 2L * rows * Integer.BYTES;
            for (String s : trailer) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                writeInt(bytes.length);
                out.write(bytes);
            }
            out.close();
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            header.put(MAGIC).putInt(VERSION).putInt(featureCount).putInt(rows).putInt(0)
                    .putLong(labelsOffset).putLong(labelsOffset + (long) rows * Integer.BYTES).putLong(trailerOffset);
            header.clear();
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                while (header.hasRemaining()) {
                    channel.write(header, header.position());
                }
                channel.force(true);
            }
            // a temporary file is created rw-------; the cache is as readable as the rest of target/finetune
            try {
                Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: its defaults apply
            }
            // temp + move as AtomicFiles does (engine.report depends on this package, so it cannot be used here)
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            finished = true;
        }

        private void writeInts(int[] values) throws IOException {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            IntBuffer ints = buffer.asIntBuffer();
            for (int i = 0; i < rows; i += ints.capacity()) {
                int n = Math.min(ints.capacity(), rows - i);
                ints.clear();
                ints.put(values, i, n);
                out.write(buffer.array(), 0, n * Integer.BYTES);
            }
        }

        private void writeInt(int value) throws IOException {
            out.write(ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN).putInt(value).array());
        }

        /** Without {@link #finish}: removes the temporary file, leaving no row file. */
        @Override
        public void close() throws IOException {
            if (!finished) {
                // closing flushes the buffer, which fails again on a full disk: the temporary file goes regardless
                try {
                    out.close();
                } finally {
                    Files.deleteIfExists(temp);
                }
            }
        }
    }
}
