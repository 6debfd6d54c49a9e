package dev.finetune.engine.fingerprint;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A SHA-256 over everything that decides a training result: the resolved spec, the bytes of every input file and
 * the tool settings (plugin and DL4J versions, backend, thread counts). Equal fingerprints mean retraining would give
 * the same model, so it can be skipped.
 */
public final class Fingerprint {

    private final TreeMap<String, String> parts = new TreeMap<>();

    public Fingerprint text(String name, String value) {
        parts.put(name, sha256(value.getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    public Fingerprint file(String name, Path file) throws IOException {
        parts.put(name, sha256(file));
        return this;
    }

    /** The parts, by name, each a SHA-256: what changed can be told by comparing two of these. */
    public Map<String, String> parts() {
        return Map.copyOf(parts);
    }

    public String value() {
        StringBuilder all = new StringBuilder();
        parts.forEach((k, v) -> all.append(k).append('=').append(v).append('\n'));
        return sha256(all.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The SHA-256 of a file's bytes; of a folder (an image dataset), over every file below it in path order, each its
     * relative path (with {@code /}) then its bytes' SHA-256, so adding, removing, renaming or changing a file changes
     * it. Hidden entries (names starting with a dot) are skipped, as the image source skips them.
     */
    public static String sha256(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            return treeSha256(file);
        }
        MessageDigest digest = digest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static String treeSha256(Path dir) throws IOException {
        MessageDigest digest = digest();
        MessageDigest file = digest();
        TreeMap<String, Path> files = new TreeMap<>();
        try (java.util.stream.Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).forEach(p -> {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                if (!rel.startsWith(".") && !rel.contains("/.")) {
                    files.put(rel, p);
                }
            });
        }
        for (var f : files.entrySet()) {
            digest.update(f.getKey().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) 0);
            // image files are small: read whole, no stream and buffer per file
            digest.update(HexFormat.of().formatHex(file.digest(Files.readAllBytes(f.getValue()))).getBytes(StandardCharsets.UTF_8));
            digest.update((byte) '\n');
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /**
     * SHA-256 over a zip's entries, names and contents in name order, not over the file: DL4J's ModelSerializer stamps
     * entries with the time of writing, so two trainings to the same parameters give different zip bytes but the same
     * entries.
     */
    public static String zipEntriesSha256(Path zip) throws IOException {
        MessageDigest digest = digest();
        try (java.util.zip.ZipFile file = new java.util.zip.ZipFile(zip.toFile())) {
            List<? extends java.util.zip.ZipEntry> entries = file.stream().sorted(java.util.Comparator.comparing(java.util.zip.ZipEntry::getName)).toList();
            for (java.util.zip.ZipEntry entry : entries) {
                digest.update(entry.getName().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                try (InputStream in = file.getInputStream(entry)) {
                    byte[] buffer = new byte[1 << 16];
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        digest.update(buffer, 0, n);
                    }
                }
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** A fresh SHA-256 digest, for hashing data fed piece by piece. */
    public static MessageDigest newDigest() {
        return digest();
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
