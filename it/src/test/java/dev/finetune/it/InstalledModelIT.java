package dev.finetune.it;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs after the invoker has built the bundled example with {@code mvn install} into the test repository: the
 * installed model artifact loads with plain DL4J, carries its normaliser and metadata, and predicts digits.
 */
class InstalledModelIT {

    private static final Path REPO = Path.of(System.getProperty("it.localRepository"));
    private static final Path ARTIFACT = REPO.resolve(
            "dev/finetune/examples/digits-5to9/1.0.0-SNAPSHOT/digits-5to9-1.0.0-SNAPSHOT.zip");

    @Test
    void installedModelCarriesItsSpecMetricsAndHistory() throws IOException {
        assertTrue(Files.isRegularFile(ARTIFACT), "mvn install put the model in the local repository: " + ARTIFACT);
        try (ZipFile zip = new ZipFile(ARTIFACT.toFile())) {
            for (String entry : List.of("configuration.json", "coefficients.bin", "normalizer.bin", "finetune/finetune.yaml",
                    "finetune/spec.resolved.yaml", "finetune/metrics.json", "finetune/training.json")) {
                assertNotNull(zip.getEntry(entry), entry);
            }
            String metrics = read(zip, "finetune/metrics.json");
            assertTrue(metrics.contains("\"split\" : \"test\""), metrics);
            assertTrue(read(zip, "finetune/spec.resolved.yaml").contains("upTo: pool2"));
        }
    }

    @Test
    void installedModelLoadsAndPredictsDigits() throws IOException {
        MultiLayerNetwork model = ModelSerializer.restoreMultiLayerNetwork(ARTIFACT.toFile());
        DataNormalization normalizer = ModelSerializer.restoreNormalizerFromFile(ARTIFACT.toFile());
        assertNotNull(normalizer, "the normaliser travels with the model");
        List<String> rows = Files.readAllLines(Path.of(System.getProperty("it.example"), "digits-5to9/data/digits-5to9-28x28.csv"));
        float[][] pixels = new float[rows.size()][784];
        int[] digits = new int[rows.size()];
        for (int r = 0; r < rows.size(); r++) {
            String[] cells = rows.get(r).split(",");
            for (int c = 0; c < 784; c++) {
                pixels[r][c] = Float.parseFloat(cells[c]);
            }
            digits[r] = Integer.parseInt(cells[784]);
        }
        INDArray features = Nd4j.create(pixels);
        normalizer.transform(features);
        INDArray predicted = model.output(features).argMax(1);
        int correct = 0;
        for (int r = 0; r < rows.size(); r++) {
            // classes are the sorted labels 5..9, so class index i is digit 5 + i
            if (predicted.getInt(r) + 5 == digits[r]) {
                correct++;
            }
        }
        double accuracy = (double) correct / rows.size();
        try (ZipFile zip = new ZipFile(ARTIFACT.toFile())) {
            double reported = testAccuracy(read(zip, "finetune/metrics.json"));
            // all rows include the 85% test split: overall accuracy cannot be far from the reported test accuracy
            assertEquals(reported, accuracy, 0.03, "accuracy on all example digits vs. reported test accuracy");
        }
        assertTrue(accuracy > 0.9, "fine-tuned model recognises digits 5-9: " + accuracy);
    }

    private static double testAccuracy(String metricsJson) {
        Matcher m = Pattern.compile("\"test\" : \\{[^}]*?\"accuracy\" : ([0-9.]+)", Pattern.DOTALL).matcher(metricsJson);
        assertTrue(m.find(), metricsJson);
        return Double.parseDouble(m.group(1));
    }

    private static String read(ZipFile zip, String entry) throws IOException {
        try (InputStream in = zip.getInputStream(zip.getEntry(entry))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
