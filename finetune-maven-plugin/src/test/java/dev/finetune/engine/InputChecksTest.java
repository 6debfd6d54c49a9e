package dev.finetune.engine;

import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The spec against real inputs, before training: base configuration, frozen layers, head, dataset. */
class InputChecksTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.multiLayerBase(project.resolve("mln.zip"));
        TestBases.graphBase(project.resolve("graph.zip"));
        TestBases.writeUpperDigits(project.resolve("upper.csv"));
        Files.writeString(project.resolve("narrow.csv"), "1,2,5\n3,4,6\n5,6,5\n7,8,6\n1,1,5\n2,2,6\n3,3,5\n4,4,6\n");
        Files.writeString(project.resolve("one-class.csv"), "1,2,5\n3,4,5\n");
        Files.writeString(project.resolve("not-a-model.zip"), "hello");
    }

    static List<String> problems(String yaml) throws Exception {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", yaml);
        return new InputChecks(spec, p -> project.resolve(p), project.resolve(spec.base().path().orElseThrow())).problems();
    }

    @Test
    void goodSpecHasNoProblems() throws Exception {
        assertEquals(List.of(), problems("base: { path: mln.zip }\ndataset: { path: upper.csv }\nfreeze: { upTo: hidden2 }\n"));
        assertEquals(List.of(), problems("base: { path: graph.zip }\ndataset: { path: upper.csv }\nfreeze: { layers: [hidden1] }\n"));
    }

    @Test
    void retentionDataIsCheckedAgainstTheBase() throws Exception {
        String spec = "base: { path: mln.zip }\ndataset: { path: upper.csv }\nevaluation:\n  retention:\n    data: { path: %s }\n";
        // the upper digits are labelled 5..9, but the base (pretrained on 0-4) has outputs 0..4
        assertEquals(List.of("finetune.yaml:5:19: label 5 in upper.csv is not an output of mln.zip, which has 5 (0..4);"
                + " integer labels are the base's output index"), problems(spec.formatted("upper.csv")));
        assertEquals(List.of("finetune.yaml:5:19: the retention data has 2 feature columns but mln.zip takes 64 inputs",
                "finetune.yaml:5:19: label 5 in narrow.csv is not an output of mln.zip, which has 5 (0..4); integer labels"
                        + " are the base's output index"), problems(spec.formatted("narrow.csv")));
        assertEquals(List.of("finetune.yaml:5:19: `evaluation.retention.data.path` names missing.csv, which does not exist"),
                problems(spec.formatted("missing.csv")));
    }

    @Test
    void configurationIsReadWithoutWeights() {
        BaseModelInfo info = BaseFormat.inspectAny(project.resolve("mln.zip"));
        assertEquals(List.of("hidden1", "hidden2", "out"), info.names());
        assertEquals(64, info.inputSize().orElseThrow());
        BaseModelInfo graph = BaseFormat.inspectAny(project.resolve("graph.zip"));
        assertTrue(graph.graph());
        assertEquals(List.of("hidden1", "hidden2", "out"), graph.names());
        assertEquals(16, graph.layers().get(1).nOut());
    }

    @Test
    void unknownFrozenLayersListTheRealOnes() throws Exception {
        assertEquals(List.of("finetune.yaml:3:20: `freeze` names layer `conv9`, which mln.zip does not have; its layers are: "
                        + "0=hidden1, 1=hidden2, 2=out"),
                problems("base: { path: mln.zip }\ndataset: { path: upper.csv }\nfreeze: { layers: [conv9] }\n"));
        assertEquals(List.of("finetune.yaml:3:17: `freeze` layer index 7 is out of range; mln.zip has layers 0..2: "
                        + "0=hidden1, 1=hidden2, 2=out"),
                problems("base: { path: mln.zip }\ndataset: { path: upper.csv }\nfreeze: { upTo: 7 }\n"));
    }

    @Test
    void freezingWhatTheHeadReplacesIsContradictory() throws Exception {
        assertEquals(List.of("finetune.yaml:3:9: `freeze` names layer 1 (`hidden2`), but the head removes the top 2 layer(s) "
                        + "of mln.zip; freeze only layers 0..0: 0=hidden1"),
                problems("base: { path: mln.zip }\ndataset: { path: upper.csv }\nfreeze: { upTo: hidden2 }\nhead: { removeLayers: 2 }\n"));
    }

    @Test
    void everyFreezeASweepTriesIsCheckedAgainstTheBase() throws Exception {
        assertEquals(List.of(
                        "finetune.yaml:5:38: `sweep.parameters.freeze.upTo` names layer `hiden2`, which mln.zip does not have; "
                                + "its layers are: 0=hidden1, 1=hidden2, 2=out",
                        "finetune.yaml:5:46: `sweep.parameters.freeze.upTo` names layer 2 (`out`), but the head removes the top 1 "
                                + "layer(s) of mln.zip; freeze only layers 0..1: 0=hidden1, 1=hidden2"),
                problems("""
                        base: { path: mln.zip }
                        dataset: { path: upper.csv }
                        sweep:
                          parameters:
                            freeze.upTo: { values: [hidden1, hiden2, out] }
                        """));
    }

    @Test
    void datasetMustFitTheBase() throws Exception {
        assertEquals(List.of("finetune.yaml:2:10: the dataset has 2 feature columns but mln.zip takes 64 inputs"),
                problems("base: { path: mln.zip }\ndataset: { path: narrow.csv, split: { train: 0.5, validation: 0.25, test: 0.25 } }\n"));
        assertEquals(List.of(project.resolve("one-class.csv") + ": the label column holds 1 distinct value(s) [5]; "
                        + "a classifier needs at least 2 classes"),
                problems("base: { path: mln.zip }\ndataset: { path: one-class.csv }\n"));
    }

    @Test
    void missingAndBrokenFilesAreNamedAtTheirKeys() throws Exception {
        assertEquals(List.of("finetune.yaml:1:15: `base.path` names nope.zip, which does not exist",
                        "finetune.yaml:2:18: `dataset.path` names nope.csv, which does not exist"),
                problems("base: { path: nope.zip }\ndataset: { path: nope.csv }\n"));
        List<String> broken = problems("base: { path: not-a-model.zip }\ndataset: { path: upper.csv }\n");
        assertEquals(1, broken.size());
        assertTrue(broken.get(0).startsWith("finetune.yaml:1:15: " + project.resolve("not-a-model.zip") + ": not a readable base model; the formats this plugin reads are: DL4J model zip"), broken.get(0));
    }

    @Test
    void imagesAreCheckedAgainstTheBasesInputSize() throws Exception {
        writeImages(project.resolve("photos8"), 8);
        assertEquals(List.of(), problems("base: { path: mln.zip }\ndataset:\n  type: images\n  path: photos8\n"
                + "  image: { height: 8, width: 8, channels: 1 }\n"));
        assertEquals(List.of("finetune.yaml:3:3: the images, sized by `dataset.image`, have 100 values each but mln.zip takes 64 inputs"),
                problems("base: { path: mln.zip }\ndataset:\n  type: images\n  path: photos8\n"
                        + "  image: { height: 10, width: 10, channels: 1 }\n"));
    }

    private static void writeImages(Path root, int side) throws Exception {
        for (String c : List.of("a", "b")) {
            Files.createDirectories(root.resolve(c));
            for (int i = 0; i < 10; i++) {
                Files.write(root.resolve(c + "/" + i + ".png"), TestImages.greyPng(side, side, i + (c.equals("a") ? 0 : 50)));
            }
        }
    }

    /** Run in a fresh JVM that lists every class it loads: validation must not touch ND4J or its natives. */
    @Test
    void validationLoadsNoNd4j() throws Exception {
        List<String> out = validatesWithoutNd4j("base: { path: mln.zip }\ndataset: { path: upper.csv }\nfreeze: { upTo: 0 }\n");
        // the CSV was parsed into its row file, as finetune:validate does for the training JVM
        assertTrue(out.stream().anyMatch(l -> l.contains("dev.finetune.engine.data.RowFile$Writer ")), "the row file was written");
    }

    /** Image folders too: headers are read in plain Java, neither ND4J nor DataVec's image loader nor OpenCV loads. */
    @Test
    void imageValidationLoadsNoNd4jNorOpenCv() throws Exception {
        writeImages(project.resolve("photos8"), 8);
        List<String> out = validatesWithoutNd4j("base: { path: mln.zip }\ndataset:\n  type: images\n  path: photos8\n"
                + "  image: { height: 8, width: 8, channels: 1 }\n");
        assertTrue(out.stream().anyMatch(l -> l.contains("dev.finetune.engine.data.ImageFolder ")), "the image check ran");
        assertEquals(List.of(), out.stream().filter(l -> l.contains("org.opencv") || l.contains("org.bytedeco.opencv")
                || l.contains("org.datavec.image")).toList());
    }

    private List<String> validatesWithoutNd4j(String specText) throws Exception {
        Files.writeString(project.resolve("check.yaml"), specText);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class", "-cp", System.getProperty("java.class.path"), InputChecksMain.class.getName(),
                project.resolve("check.yaml").toString(), project.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", out.subList(Math.max(0, out.size() - 20), out.size())));
        assertTrue(out.contains("problems: 0"), "the check ran");
        assertTrue(out.stream().anyMatch(l -> l.contains("dev.finetune.engine.inspect.InputChecks ")), "class listing works");
        List<String> nd4j = out.stream().filter(l -> l.contains("org.nd4j.linalg.factory.Nd4j ")
                || l.contains("org.bytedeco.javacpp.Loader ") || l.contains("org.nd4j.linalg.api.ndarray.INDArray ")).toList();
        assertEquals(List.of(), nd4j);
        return out;
    }
}
