package dev.finetune.it;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JSON Schema is an artifact of its own, {@code dev.finetune:finetune-spec-schema:<version>:json:schema}, so a
 * Maven repository serves it at a stable path that editors can name (README: Editor support).
 */
class SchemaArtifactIT {

    @Test
    void schemaIsInstalledAtItsRepositoryPath() throws Exception {
        String version = System.getProperty("it.finetuneVersion");
        Path installed = Path.of(System.getProperty("it.localRepository"), "dev/finetune/finetune-spec-schema", version,
                "finetune-spec-schema-" + version + "-schema.json");
        assertTrue(Files.isRegularFile(installed), installed + " installed");
        Path source = MavenRuns.SOURCES.getParent().resolveSibling(
                "finetune-spec-schema/src/main/resources/dev/finetune/spec/finetune.schema.json");
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(installed), "the schema as in the sources");
    }
}
