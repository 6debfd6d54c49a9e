package dev.finetune.examples.app;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Reads a handwritten digit 5-9 from 28x28 grey pixels (0-255), with the fine-tuned model bundled in the jar. */
public final class DigitClassifier {

    /** Where the build copies the model dependency (maven-dependency-plugin, see pom.xml). */
    public static final String MODEL_RESOURCE = "/models/digits-5to9.zip";

    private final MultiLayerNetwork model;
    private final DataNormalization normalizer;
    private final List<String> classes;

    private DigitClassifier(MultiLayerNetwork model, DataNormalization normalizer, List<String> classes) {
        this.model = model;
        this.normalizer = normalizer;
        this.classes = classes;
    }

    public static DigitClassifier load() throws IOException {
        // ModelSerializer reads the zip twice (network, then normaliser): copy the resource to a file once
        Path file = Files.createTempFile("digits-5to9", ".zip");
        try (InputStream in = DigitClassifier.class.getResourceAsStream(MODEL_RESOURCE)) {
            if (in == null) {
                throw new IOException(MODEL_RESOURCE + " is not on the classpath");
            }
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
            DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(file.toFile());
            return new DigitClassifier(net, normalizer, classes(file));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The model's output classes, in order, as its artifact's {@code finetune/lineage.json} records them. */
    private static List<String> classes(Path modelZip) throws IOException {
        try (ZipFile zip = new ZipFile(modelZip.toFile())) {
            ZipEntry lineage = zip.getEntry("finetune/lineage.json");
            JsonNode classes = new ObjectMapper().readTree(zip.getInputStream(lineage)).path("dataset").path("classes");
            List<String> names = new ArrayList<>();
            classes.forEach(c -> names.add(c.asText()));
            return List.copyOf(names);
        }
    }

    /** The digit the pixels most likely show. */
    public String classify(float[] pixels) {
        INDArray features = Nd4j.create(pixels, new long[] {1, pixels.length});
        if (normalizer != null) {
            normalizer.transform(features);
        }
        INDArray probabilities = model.output(features, false);
        return classes.get(probabilities.argMax(1).getInt(0));
    }
}
