package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import org.deeplearning4j.util.ModelSerializer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Loads a DL4J model zip, telling a MultiLayerNetwork from a ComputationGraph by its configuration. */
public final class BaseModels {

    private BaseModels() {
    }

    public static Net load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": base model not found");
        }
        boolean graph = isGraph(file);
        try {
            return graph ? Net.of(ModelSerializer.restoreComputationGraph(file.toFile(), false))
                    : Net.of(ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false));
        } catch (IOException | RuntimeException e) {
            throw new UserInputException(file + ": cannot load the base model as a DL4J "
                    + (graph ? "ComputationGraph" : "MultiLayerNetwork") + ": " + e.getMessage(), e);
        }
    }

    /** Reads only configuration.json: a graph's configuration has "vertices", a multi-layer one has "confs". */
    static boolean isGraph(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry entry = zip.getEntry("configuration.json");
            if (entry == null) {
                throw new UserInputException(file + ": not a DL4J model zip (no configuration.json inside)");
            }
            try (InputStream in = zip.getInputStream(entry)) {
                String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                return json.contains("\"vertices\"");
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": not a readable zip file: " + e.getMessage(), e);
        }
    }
}
