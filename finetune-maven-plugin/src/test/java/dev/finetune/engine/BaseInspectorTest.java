package dev.finetune.engine;

import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseInspector;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One inspection of a base per build: MobileNetV2's .h5 (4.1 MB, a 160-layer configuration) is opened with jHDF once
 * however often the checks ask, and again only when the file changes.
 */
class BaseInspectorTest {

    @TempDir
    Path dir;

    private Path copy(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = BaseInspectorTest.class.getResourceAsStream("/keras/" + name)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
        return file;
    }

    @Test
    void aKerasBaseIsReadOncePerBuildAndAgainWhenItChanges() throws Exception {
        Path file = copy("mobilenet-v2-64.h5");
        FinetuneSpec.BaseSpec base = new SpecParser().parse("finetune.yaml", "base: { path: m.h5 }\ndataset: { path: d.csv }\n").base();
        BaseFormat.of(file, base).inspect(file); // class loading and JIT warm-up, out of both timings
        double separately = Double.MAX_VALUE;
        double shared = Double.MAX_VALUE;
        BaseModelInfo info = null;
        for (int run = 0; run < 3; run++) {
            // what validation did before: recognise twice (the resolver), recognise and inspect, recognise again
            long started = System.nanoTime();
            BaseFormat.of(file, base);
            BaseFormat.of(file, base);
            BaseFormat.of(file, base).inspect(file);
            BaseFormat.of(file, base).channelsLast();
            separately = Math.min(separately, (System.nanoTime() - started) / 1e9);

            BaseInspector inspector = new BaseInspector();
            started = System.nanoTime();
            inspector.isOnnx(file, base);
            inspector.isOnnx(file, base);
            info = inspector.inspect(file, base);
            inspector.format(file, base).channelsLast();
            shared = Math.min(shared, (System.nanoTime() - started) / 1e9);
        }
        BaseInspector inspector = new BaseInspector();
        info = inspector.inspect(file, base);
        assertSame(info, inspector.inspect(file, base), "the second look reads nothing");
        assertEquals(BaseFormat.inspectAny(file), info);
        System.out.printf(Locale.ROOT, "MobileNetV2 .h5, best of 3: validation's looks %.3f s separately, %.3f s through one inspector%n",
                separately, shared);

        // replaced by another model: read again
        Files.copy(BaseInspectorTest.class.getResourceAsStream("/keras/cnn-functional.h5"), file, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 2000));
        BaseModelInfo replaced = inspector.inspect(file, base);
        assertNotSame(info, replaced);
        assertEquals("conv", replaced.layers().get(0).name());
        assertTrue(replaced.layers().size() < info.layers().size());
    }

    @Test
    void failuresAreNotKept() throws Exception {
        Path file = dir.resolve("missing.h5");
        FinetuneSpec.BaseSpec base = new SpecParser().parse("finetune.yaml", "base: { path: m.h5 }\ndataset: { path: d.csv }\n").base();
        BaseInspector inspector = new BaseInspector();
        assertThrows(UserInputException.class, () -> inspector.inspect(file, base));
        Path model = copy("cnn-functional.h5");
        Files.move(model, file);
        assertEquals("conv", inspector.inspect(file, base).layers().get(0).name());
    }
}
