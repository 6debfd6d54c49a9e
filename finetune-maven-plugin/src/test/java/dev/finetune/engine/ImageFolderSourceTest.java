package dev.finetune.engine;

import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.report.DatasetSummary;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading image folders in the training JVM: DataVec's decoding, the layout, the splits, scaling and augmentation. */
class ImageFolderSourceTest {

    private static final ImageShape.BaseInput LENET = new ImageShape.BaseInput(Optional.of(List.of(1L, 28L, 28L)), false);

    @TempDir
    Path dir;

    private static FinetuneSpec spec(String datasetYaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n  type: images\n" + datasetYaml);
    }

    private DatasetSource source(String datasetYaml, ImageShape.BaseInput base) throws Exception {
        return DatasetSource.of(spec(datasetYaml).dataset(), dir::resolve, base);
    }

    @Test
    void greyImagesDecodeToTheirPixelValuesAndSplitLikeCsvRows() throws Exception {
        TestImages.folder(dir.resolve("photos"), 20, "cat", "dog");
        SplitData data = source("  path: photos\n  split: { train: 0.5, validation: 0.25, test: 0.25, seed: 3 }\n", LENET).load();
        assertEquals(List.of("cat", "dog"), data.classes());
        assertEquals(List.of(20, 10, 10), List.of(data.train().size(), data.validation().size(), data.test().size()));
        assertEquals(784, data.featureCount());
        assertEquals(Optional.of(0), data.duplicatesAcrossSplits());
        // every decoded image is one of the written ones, pixel for pixel (28x28 needs no resizing)
        List<float[]> written = new ArrayList<>();
        for (int seed = 0; seed < 40; seed++) {
            float[] row = new float[784];
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    row[y * 28 + x] = (seed + 7 * y + 3 * x) & 0xff;
                }
            }
            written.add(row);
        }
        for (float[] row : data.test().features()) {
            assertTrue(written.stream().anyMatch(w -> java.util.Arrays.equals(w, row)), "a decoded image equals a written one");
        }
        // stratified: half of each class trains
        assertEquals(10, java.util.Arrays.stream(data.train().labels()).filter(l -> l == 0).count());
        // the same spec and files give the same splits
        SplitData again = source("  path: photos\n  split: { train: 0.5, validation: 0.25, test: 0.25, seed: 3 }\n", LENET).load();
        assertEquals(DatasetSummary.of(data), DatasetSummary.of(again));
    }

    @Test
    void colourImagesAreResizedAndLaidOutInTheBasesChannelOrderAsRgb() throws Exception {
        for (String c : List.of("red", "blue")) {
            Files.createDirectories(dir.resolve("p/" + c));
            for (int i = 0; i < 10; i++) {
                Files.write(dir.resolve("p/" + c + "/" + i + ".png"), c.equals("red")
                        ? TestImages.rgb(32, 48, 250, 10 + i, 0, "png") : TestImages.rgb(32, 48, 0, 10 + i, 250, "png"));
            }
        }
        // channels last (a Keras base, [h, w, c]): pixel 0 is R, G, B
        SplitData last = source("  path: p\n", new ImageShape.BaseInput(Optional.of(List.of(8L, 6L, 3L)), true)).load();
        assertEquals(8 * 6 * 3, last.featureCount());
        float[] red = last.train().features()[0];
        assertEquals(0, last.train().labels()[0] == 0 ? 0 : 1); // the first training image is of class `blue` or `red`
        int cls = last.train().labels()[0];
        float[] expectFirstPixel = last.classes().get(cls).equals("red") ? new float[] {250, red[1], 0} : new float[] {0, red[1], 250};
        assertArrayEquals(expectFirstPixel, new float[] {red[0], red[1], red[2]});
        assertEquals(red[0], red[3]); // pixel 1's R
        // channels first (a DL4J base, [c, h, w]): all R values, then G, then B
        SplitData first = source("  path: p\n", new ImageShape.BaseInput(Optional.of(List.of(3L, 8L, 6L)), false)).load();
        float[] row = first.train().features()[0];
        float r = row[0];
        float b = row[2 * 48];
        assertEquals(first.classes().get(first.train().labels()[0]).equals("red") ? 250 : 0, r);
        assertEquals(first.classes().get(first.train().labels()[0]).equals("red") ? 0 : 250, b);
        // grey from colour: one channel
        SplitData grey = source("  path: p\n  image: { channels: 1 }\n", new ImageShape.BaseInput(Optional.of(List.of(3L, 8L, 6L)), false)).load();
        assertEquals(48, grey.featureCount());
    }

    @Test
    void aFileThatPassesTheHeaderCheckButDoesNotDecodeIsNamed() throws Exception {
        TestImages.folder(dir.resolve("photos"), 10, "cat", "dog");
        byte[] png = Files.readAllBytes(dir.resolve("photos/cat/003.png"));
        // keep signature, header and end chunk; ruin the compressed pixels between them
        for (int i = 40; i < png.length - 12; i++) {
            png[i] = (byte) 0x5A;
        }
        Files.write(dir.resolve("photos/cat/003.png"), png);
        Files.write(dir.resolve("photos/dog/005.png"), png);
        var e = assertThrows(UserInputException.class, () -> source("  path: photos\n", LENET).load());
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(2, lines.size(), e.getMessage());
        assertTrue(lines.get(0).startsWith("photos/cat/003.png: cannot be decoded ("), lines.get(0));
        assertTrue(lines.get(1).startsWith("photos/dog/005.png: cannot be decoded ("), lines.get(1));
    }

    @Test
    void pixelsScaleTo01OrByChannelMeanAndStd() throws Exception {
        TestImages.folder(dir.resolve("photos"), 10, "cat", "dog");
        DatasetSource unit = source("  path: photos\n", LENET);
        SplitData data = unit.load();
        DataSet batch = unit.trainingSplits(data).validation().inOrder(100).next();
        assertEquals(data.validation().features()[0][5] / 255f, batch.getFeatures().getFloat(0, 5), 1e-6);
        DatasetSource meanStd = source("  path: photos\n  image: { mean: [0.5], std: [0.25] }\n", LENET);
        DatasetSource.TrainingSplits splits = meanStd.trainingSplits(data);
        DataSet scaled = splits.validation().inOrder(100).next();
        assertEquals((data.validation().features()[0][5] / 255f - 0.5f) / 0.25f, scaled.getFeatures().getFloat(0, 5), 1e-5);
        assertTrue(splits.normalizer().isPresent(), "stored with the model");
    }

    @Test
    void augmentationIsTheSameForTheSameSeedAndEpochAndOnlyOnTraining() throws Exception {
        TestImages.folder(dir.resolve("photos"), 10, "cat", "dog");
        DatasetSource source = source("  path: photos\n  augmentation: { flip: horizontal, shift: 2, rotate: 10, brightness: 0.2 }\n", LENET);
        assertFalse(source.deterministic());
        SplitData data = source.load();
        DatasetSource.TrainingSplits splits = source.trainingSplits(data);
        // two runs with the training seed: identical epochs; the second epoch differs from the first
        List<float[]> run1 = epochs(splits, new Random(42), 2);
        List<float[]> run2 = epochs(splits, new Random(42), 2);
        assertEquals(run1.size(), run2.size());
        for (int i = 0; i < run1.size(); i++) {
            assertArrayEquals(run1.get(i), run2.get(i));
        }
        List<float[]> plain = epochs(source("  path: photos\n", LENET).trainingSplits(data), new Random(42), 1);
        assertNotEquals(java.util.Arrays.toString(plain.get(0)), java.util.Arrays.toString(run1.get(0)), "augmented");
        // another seed, other images
        assertNotEquals(java.util.Arrays.toString(run1.get(0)), java.util.Arrays.toString(epochs(splits, new Random(43), 1).get(0)));
        // validation is never augmented: equal to the unaugmented source's
        assertArrayEquals(source("  path: photos\n", LENET).trainingSplits(data).validation().inOrder(100).next().getFeatures().dup().data().asFloat(),
                splits.validation().inOrder(100).next().getFeatures().dup().data().asFloat());
        // values stay in 0..1 after scaling
        for (float[] b : run1) {
            for (float v : b) {
                assertTrue(v >= 0 && v <= 1, "scaled value " + v);
            }
        }
    }

    /** Each epoch's batches flattened, one array per epoch. */
    private static List<float[]> epochs(DatasetSource.TrainingSplits splits, Random shuffle, int n) {
        List<float[]> out = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            List<Float> values = new ArrayList<>();
            for (Iterator<DataSet> it = splits.train().shuffled(8, shuffle); it.hasNext(); ) {
                for (float v : it.next().getFeatures().dup().data().asFloat()) {
                    values.add(v);
                }
            }
            float[] a = new float[values.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = values.get(i);
            }
            out.add(a);
        }
        assertNotEquals(java.util.Arrays.toString(out.get(0)), n > 1 ? java.util.Arrays.toString(out.get(1)) : "", "epochs differ");
        return out;
    }
}
