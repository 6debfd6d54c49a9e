package dev.finetune.examples.app;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model dependency, bundled by the build, reads digits it has (most likely) never seen. */
class DigitClassifierTest {

    @Test
    void readsDigitsWithTheModelFromItsDependency() throws Exception {
        DigitClassifier classifier = DigitClassifier.load();
        List<String> rows;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                DigitClassifierTest.class.getResourceAsStream("/some-digits.csv"), StandardCharsets.UTF_8))) {
            rows = in.lines().toList();
        }
        int correct = 0;
        for (String row : rows) {
            String[] cells = row.split(",");
            float[] pixels = new float[cells.length - 1];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = Float.parseFloat(cells[i]);
            }
            String predicted = classifier.classify(pixels);
            if (predicted.equals(cells[cells.length - 1])) {
                correct++;
            } else {
                System.out.println("misread a " + cells[cells.length - 1] + " as " + predicted);
            }
        }
        // the model scores ~96% on its test split; 18 of 20 leaves room for one or two hard digits
        assertTrue(correct >= 18, correct + " of " + rows.size() + " digits read correctly");
    }
}
