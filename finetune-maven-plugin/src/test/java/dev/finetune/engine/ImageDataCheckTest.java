package dev.finetune.engine;

import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.ImageFolderSource;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The data check of image folders, as {@code finetune:validate} runs it in Maven's JVM (plain Java, no ND4J): each
 * kind of bad folder or file with its exact messages, all of them in one run.
 */
class ImageDataCheckTest {

    /** The example's LeNet as inspected: a DL4J zip's convolutional-flat input, [channels, height, width]. */
    private static final ImageShape.BaseInput LENET = new ImageShape.BaseInput(Optional.of(List.of(1L, 28L, 28L)), false);

    @TempDir
    Path dir;

    private static FinetuneSpec spec(String datasetYaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n  type: images\n" + datasetYaml);
    }

    private DatasetSource.Inspection inspect(FinetuneSpec spec, ImageShape.BaseInput base) {
        return DatasetSource.of(spec.dataset(), dir::resolve, base).inspect(spec::locate);
    }

    private DatasetSource.Inspection inspect(String datasetYaml) throws Exception {
        return inspect(spec(datasetYaml), LENET);
    }

    @Test
    void aGoodFolderHasItsClassesAndTheBasesInputSize() throws Exception {
        TestImages.folder(dir.resolve("photos"), 10, "cat", "dog");
        FinetuneSpec spec = spec("  path: photos\n");
        assertTrue(DatasetSource.of(spec.dataset(), dir::resolve, LENET) instanceof ImageFolderSource);
        DatasetSource.Inspection found = inspect(spec, LENET);
        assertEquals(List.of(), found.problems());
        assertEquals(List.of(), found.warnings());
        assertEquals(List.of("cat", "dog"), found.classes());
        assertEquals(OptionalInt.of(784), found.featureCount());
        assertEquals(List.of("photos"), DatasetSource.of(spec.dataset(), dir::resolve, LENET).inputPaths());
    }

    @Test
    void numericClassFoldersSortAsNumbers() throws Exception {
        TestImages.folder(dir.resolve("digits"), 10, "10", "9", "2");
        assertEquals(List.of("2", "9", "10"), inspect("  path: digits\n").classes());
    }

    @Test
    void everyBadFileIsListedByPathInOneRun() throws Exception {
        Path root = dir.resolve("photos");
        TestImages.folder(root, 4, "cat", "dog");
        Files.writeString(root.resolve("cat/notes.png"), "not an image at all");
        Files.write(root.resolve("cat/empty.jpg"), new byte[0]);
        byte[] png = TestImages.greyPng(28, 28, 99);
        Files.write(root.resolve("cat/cut.png"), Arrays.copyOf(png, png.length - 20));
        Files.write(root.resolve("cat/head.png"), Arrays.copyOf(png, 20));
        Files.write(root.resolve("dog/deep.png"), TestImages.grey16Png(28, 28));
        Files.write(root.resolve("dog/anim.gif"), TestImages.encode(new java.awt.image.BufferedImage(4, 4,
                java.awt.image.BufferedImage.TYPE_BYTE_INDEXED), "gif"));
        Files.write(root.resolve("dog/print.jpg"), TestImages.jpegHeader(8, 4));
        Files.write(root.resolve("dog/medical.jpg"), TestImages.jpegHeader(12, 1));
        byte[] jpeg = TestImages.rgb(16, 16, 200, 10, 10, "jpeg");
        Files.write(root.resolve("dog/cut.jpg"), Arrays.copyOf(jpeg, jpeg.length / 2));
        assertEquals(List.of(
                "photos/cat/cut.png: truncated PNG: the file does not end with the IEND chunk",
                "photos/cat/empty.jpg: empty file, not an image",
                "photos/cat/head.png: truncated PNG: the file ends before its header (IHDR) is complete",
                "photos/cat/notes.png: not a PNG or JPEG image",
                "photos/dog/anim.gif: not a PNG or JPEG image (it is a GIF image; save it as PNG or JPEG)",
                "photos/dog/cut.jpg: truncated JPEG: no end-of-image marker (FFD9) at the end of the file",
                "photos/dog/deep.png: PNG with 16 bits per channel; save it with 8 bits per channel",
                "photos/dog/medical.jpg: 12-bit JPEG; save it with 8 bits per channel",
                "photos/dog/print.jpg: CMYK JPEG (4 colour components); save it as RGB or greyscale"),
                inspect("  path: photos\n").problems());
    }

    @Test
    void filesOutsideClassFoldersEmptyAndNestedFoldersAreProblems() throws Exception {
        Path root = dir.resolve("photos");
        TestImages.folder(root, 3, "cat", "dog");
        Files.write(root.resolve("stray.png"), TestImages.greyPng(28, 28, 5));
        Files.createDirectories(root.resolve("bird"));
        Files.createDirectories(root.resolve("dog/puppies"));
        Files.writeString(root.resolve(".DS_Store"), "hidden files are skipped");
        Files.writeString(root.resolve("cat/.thumbs"), "so are these");
        assertEquals(List.of(
                "photos/bird: empty class folder; add images of class `bird` or remove the folder",
                "photos/dog/puppies: a folder inside class folder `dog`; images must sit directly in their class folder",
                "photos/stray.png: a file outside the class folders; put each image in the sub-folder named after its class"),
                inspect("  path: photos\n").problems());
    }

    @Test
    void aMissingFolderAFileAndOneClassAreProblems() throws Exception {
        assertEquals(List.of("finetune.yaml:4:9: `dataset.path` names photos, which does not exist"),
                inspect("  path: photos\n").problems());
        Files.writeString(dir.resolve("list.txt"), "a");
        assertEquals(List.of("finetune.yaml:4:9: `dataset.path` names list.txt, which is a file; image data is a folder"
                + " with one sub-folder per class"), inspect("  path: list.txt\n").problems());
        TestImages.folder(dir.resolve("one"), 5, "cat");
        assertEquals(List.of("one: 1 class folder(s) [cat]; a classifier needs at least 2 (one sub-folder per class, holding its images)"),
                inspect("  path: one\n").problems());
    }

    @Test
    void separateSplitFoldersNeedEveryClassInTraining() throws Exception {
        TestImages.folder(dir.resolve("train"), 3, "cat", "dog");
        TestImages.folder(dir.resolve("val"), 2, "cat", "dog", "fox");
        TestImages.folder(dir.resolve("test"), 2, "cat", "dog");
        assertEquals(List.of("train: no folder `fox`, but the validation or test folder has that class; every class needs"
                + " training images"), inspect("  files: { train: train, validation: val, test: test }\n").problems());
    }

    @Test
    void theSameImageInTwoSplitsIsAWarningWithCounts() throws Exception {
        TestImages.folder(dir.resolve("train"), 0, 3, "cat", "dog");
        TestImages.folder(dir.resolve("val"), 10, 3, "cat", "dog");
        TestImages.folder(dir.resolve("test"), 20, 3, "cat", "dog");
        // the same content: val/cat/000.png == train/cat/000.png, test/dog/002.png == train/dog/002.png
        Files.copy(dir.resolve("train/cat/000.png"), dir.resolve("val/cat/000.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.write(dir.resolve("test/dog/002.png"), Files.readAllBytes(dir.resolve("train/dog/002.png")));
        Files.write(dir.resolve("test/cat/000.png"), TestImages.greyPng(28, 28, 1000));
        Files.write(dir.resolve("test/cat/001.png"), TestImages.greyPng(28, 28, 1000)); // within one split: fine
        DatasetSource.Inspection found = inspect("  files: { train: train, validation: val, test: test }\n");
        assertEquals(List.of(), found.problems());
        assertEquals(List.of("2 images are in more than one split (same content): train & test 1, train & validation 1;"
                + " e.g. train/cat/000.png = val/cat/000.png. Metrics on such images are not on unseen data: remove the copies"),
                found.warnings());
    }

    @Test
    void theImageSizeComesFromTheSpecWhenTheBaseDoesNotSayIt() throws Exception {
        TestImages.folder(dir.resolve("photos"), 10, "cat", "dog");
        ImageShape.BaseInput dense = new ImageShape.BaseInput(Optional.of(List.of(784L)), false);
        FinetuneSpec noSize = spec("  path: photos\n");
        assertEquals(List.of("finetune.yaml:3:3: the base's input shape [784] does not give the image size: set"
                + " `dataset.image` height, width, channels"), inspect(noSize, dense).problems());
        FinetuneSpec sized = spec("  path: photos\n  image: { height: 28, width: 28, channels: 1 }\n");
        assertEquals(List.of(), inspect(sized, dense).problems());
        assertEquals(OptionalInt.of(784), inspect(sized, dense).featureCount());
        // the base's one channel against an RGB mean
        FinetuneSpec rgbMean = spec("  path: photos\n  image: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }\n");
        assertEquals(List.of("finetune.yaml:5:18: `dataset.image.mean` has 3 value(s) but the images have 1 channel(s);"
                + " give one per channel"), inspect(rgbMean, LENET).problems());
    }

    @Test
    void aRatioThatLeavesASplitEmptyNamesTheFolder() throws Exception {
        TestImages.folder(dir.resolve("photos"), 2, "cat", "dog");
        assertEquals(List.of("photos (4 images): the validation split is empty with 4 images; raise `dataset.split.validation` or add data"),
                inspect("  path: photos\n  split: { train: 0.8, validation: 0.1, test: 0.1 }\n").problems());
    }

    @Test
    void augmentationMakesTheSourceNonDeterministic() throws Exception {
        assertTrue(DatasetSource.of(spec("  path: p\n").dataset(), dir::resolve, LENET).deterministic());
        assertTrue(DatasetSource.of(spec("  path: p\n  augmentation: { flip: none }\n").dataset(), dir::resolve, LENET).deterministic());
        assertFalse(DatasetSource.of(spec("  path: p\n  augmentation: { shift: 2 }\n").dataset(), dir::resolve, LENET).deterministic());
    }
}
