package dev.finetune.engine.diff;

import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.report.AtomicFiles;
import dev.finetune.engine.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Writes {@code diff.md} and {@code diff.json}, each atomically, so a CI step never posts half a file. */
public final class DiffFiles {


    private DiffFiles() {
    }

    public static void write(Path outputDir, DiffReport report) throws IOException {
        Json.write(outputDir.resolve(OutputFiles.DIFF_JSON), report);
        AtomicFiles.write(outputDir.resolve(OutputFiles.DIFF_MARKDOWN), DiffMarkdown.render(report).getBytes(StandardCharsets.UTF_8));
    }
}
