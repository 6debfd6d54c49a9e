package dev.finetune.engine.model;

import dev.finetune.spec.FinetuneSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Recognises and inspects base files once each, for the checks of one build: a Keras {@code .h5}'s configuration is
 * read through jHDF, which took about a second a time on MobileNetV2, and a build asked for it four to six times
 * (which format, then its layers, then its input shape, then the thread default of each goal). Each file is read
 * once per format it is read as, keyed by its real path, size and modification time, so a file replaced in between
 * is read again. Failures are not kept: they are rare and say the same each time.
 */
public final class BaseInspector {

    private record Key(Path file, long size, long modified, Optional<String> format) {
    }

    private final Map<Key, BaseFormat> formats = new ConcurrentHashMap<>();
    private final Map<Key, BaseModelInfo> infos = new ConcurrentHashMap<>();

    /** {@link BaseFormat#of(Path, FinetuneSpec.BaseSpec)}, once per file. */
    public BaseFormat format(Path file, FinetuneSpec.BaseSpec base) {
        Optional<Key> key = key(file, base);
        if (key.isEmpty()) {
            return BaseFormat.of(file, base); // unreadable: let the format say why
        }
        BaseFormat known = formats.get(key.get());
        if (known != null) {
            return known;
        }
        BaseFormat format = BaseFormat.of(file, base);
        formats.put(key.get(), format);
        return format;
    }

    /** {@link BaseFormat#inspect(Path)} of the spec's base, once per file. */
    public BaseModelInfo inspect(Path file, FinetuneSpec.BaseSpec base) {
        Optional<Key> key = key(file, base);
        if (key.isEmpty()) {
            return BaseFormat.of(file, base).inspect(file);
        }
        BaseModelInfo known = infos.get(key.get());
        if (known != null) {
            return known;
        }
        BaseModelInfo info = format(file, base).inspect(file);
        infos.put(key.get(), info);
        return info;
    }

    /** Whether the spec's base is an ONNX body, as {@link BaseFormat#isOnnx} says, once per file. */
    public boolean isOnnx(Path file, FinetuneSpec.BaseSpec base) {
        return format(file, base) instanceof OnnxFormat;
    }

    private static Optional<Key> key(Path file, FinetuneSpec.BaseSpec base) {
        try {
            return Optional.of(new Key(file.toRealPath(), Files.size(file), Files.getLastModifiedTime(file).toMillis(),
                    base.format().map(Enum::name)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
