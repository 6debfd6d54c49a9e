package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An image folder through the whole job on a Keras base (channels last): the UCI digits 5-9 as 8x8 PNGs train and
 * evaluate exactly as the same pixels written as CSV rows do, so decoding, layout, labels and splits match.
 */
class ImageFolderJobTest {

    @TempDir
    Path project;

    private static final String SPEC = """
            base: { path: cnn-functional.h5 }
            dataset:
            %s
              split: { train: 0.3, validation: 0.2, test: 0.5, seed: 3 }
              normalize: image
            freeze: { upTo: conv }
            training: { learningRate: 0.01, batchSize: 16, epochs: 3, seed: 5 }
            """;

    @Test
    void imagesTrainAndTestExactlyAsTheSamePixelsInACsv() throws Exception {
        try (InputStream in = getClass().getResourceAsStream("/keras/cnn-functional.h5")) {
            Files.copy(in, project.resolve("cnn-functional.h5"));
        }
        // digits sorted by class, then file order: the CSV's row order is the folder listing's order
        List<String[]> rows = new ArrayList<>();
        for (String line : TestBases.digitRows(true)) {
            rows.add(line.split(","));
        }
        rows.sort(Comparator.comparingInt(r -> Integer.parseInt(r[64].trim())));
        List<String> csv = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            StringBuilder line = new StringBuilder();
            for (int p = 0; p < 64; p++) {
                int v = Math.round(Float.parseFloat(r[p]) * 255f / 16f);
                image.getRaster().setSample(p % 8, p / 8, 0, v);
                line.append(v).append(',');
            }
            csv.add(line.append(r[64].trim()).toString());
            Path file = project.resolve("digits/" + r[64].trim() + String.format("/%05d.png", i));
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "png", file.toFile());
        }
        Files.write(project.resolve("digits.csv"), csv, StandardCharsets.UTF_8);

        String fromImages = run("  type: images\n  path: digits", "images");
        String fromCsv = run("  path: digits.csv", "csv");
        assertEquals(fromCsv, fromImages);
        var examples = java.util.regex.Pattern.compile("\"examples\" : (\\d+)").matcher(fromImages);
        assertTrue(examples.find() && Integer.parseInt(examples.group(1)) > 400, fromImages);
        var accuracy = java.util.regex.Pattern.compile("\"accuracy\" : ([0-9.]+)").matcher(fromImages);
        assertTrue(accuracy.find() && Double.parseDouble(accuracy.group(1)) > 0.5, "trained: " + fromImages);
    }

    /** Trains and evaluates; the test metrics as JSON. */
    private String run(String dataset, String out) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", SPEC.formatted(dataset));
        List<String> log = new ArrayList<>();
        var job = TestBases.job(spec, project, project.resolve(out), EventSink.lines(log::add), JobOptions.DEFAULTS);
        job.train();
        job.evaluate();
        String metrics = Files.readString(project.resolve(out).resolve("metrics.json"));
        // the test split's metrics: from the first "test" object to the validation one
        return metrics.substring(metrics.indexOf("\"test\""), metrics.indexOf("\"validation\""));
    }
}
