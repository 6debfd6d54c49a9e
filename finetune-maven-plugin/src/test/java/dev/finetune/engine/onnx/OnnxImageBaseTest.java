package dev.finetune.engine.onnx;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.inspect.LayerTable;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.report.Json;
import dev.finetune.engine.report.MetricsReport;
import dev.finetune.engine.report.RunInfo;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ONNX image model as a frozen body through the engine: the real MobileNetV2 (ONNX, channels first) on 36 real
 * Fashion-MNIST PNGs of three classes (test resource {@code onnx/fashion}), its pooled features computed once per
 * split and a softmax head trained on them.
 */
class OnnxImageBaseTest {

    private static final String[] CLASSES = {"bag", "sneaker", "trouser"};

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        // the test resources are files on the test class path
        Path fashion = Path.of(OnnxImageBaseTest.class.getResource("/onnx/fashion").toURI());
        for (String c : CLASSES) {
            Files.createDirectories(project.resolve("photos").resolve(c));
            try (var pngs = Files.list(fashion.resolve(c))) {
                for (Path png : pngs.toList()) {
                    Files.copy(png, project.resolve("photos").resolve(c).resolve(png.getFileName().toString()));
                }
            }
        }
        try (InputStream in = OnnxImageBaseTest.class.getResourceAsStream("/onnx/mobilenet-v2-64.onnx")) {
            Files.copy(in, project.resolve("mobilenet.onnx"));
        }
    }

    private static final String SPEC = """
            base: { path: mobilenet.onnx, output: flatten_1 }
            dataset:
              type: images
              path: photos
              split: { train: 0.5, validation: 0.25, test: 0.25, seed: 1 }
            training: { learningRate: 0.01, batchSize: 8, epochs: 15, seed: 3 }
            """;

    private static FinetuneSpec spec(String yaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", yaml);
    }

    private static FinetuneJob job(FinetuneSpec spec, Path out, List<String> lines) {
        return new FinetuneJob(spec, project, project.resolve("mobilenet.onnx"), out,
                data -> new RunInfo("test", "test", 1, 1, "passive", "17", "test", data.classes()), EventSink.lines(lines::add),
                JobOptions.DEFAULTS);
    }

    @Test
    void aHeadTrainsOnThePooledFeaturesComputedOncePerSplit() throws Exception {
        long images = Files.walk(project.resolve("photos")).filter(p -> p.toString().endsWith(".png")).count();
        assertEquals(36, images);
        Path out = project.resolve("out");
        List<String> lines = new ArrayList<>();
        FinetuneJob job = job(spec(SPEC), out, lines);
        job.train();
        // the cache: training runs the body once over train and once over validation, for all 15 epochs
        assertEquals(2, lines.stream().filter(l -> l.contains("frozen-feature cache: ONNX image model's `flatten_1`")).count(),
                String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains("`flatten_1` for the 18 train images computed once")
                && l.contains("1280 features")), String.join("\n", lines));
        MetricsReport metrics = job.evaluate();
        ImageFeatures.Report report = Json.read(out.resolve(OutputFiles.IMAGE_ENCODING), ImageFeatures.Report.class);
        assertEquals("image", report.input());
        assertEquals("NCHW", report.layout());
        assertEquals(List.of(64, 64, 3), List.of(report.height(), report.width(), report.channels()));
        assertEquals("pixel / 255 (0..1)", report.scaling());
        assertEquals("none", report.pooling());
        assertEquals(1280, report.dimension());
        assertEquals(java.util.Set.of("train", "validation", "test"), report.splits().keySet(), "evaluation adds test");
        // the model is the head alone: 1280 -> 3
        MultiLayerNetwork head = ModelSerializer.restoreMultiLayerNetwork(out.resolve(OutputFiles.MODEL).toFile());
        assertEquals(1280 * 3 + 3, head.numParams());
        // 9 test images of three classes, where guessing gets 0.33
        assertTrue(metrics.test().accuracy() >= 0.7, "test accuracy " + metrics.test().accuracy());
        assertEquals(9, metrics.test().examples());

        // deterministic: the same inputs give the same head, bit for bit
        Path again = project.resolve("again");
        job(spec(SPEC), again, new ArrayList<>()).train();
        MultiLayerNetwork second = ModelSerializer.restoreMultiLayerNetwork(again.resolve(OutputFiles.MODEL).toFile());
        assertEquals(head.params(), second.params());
    }

    @Test
    void aFeatureMapOutputIsAveragedOverItsPositions() throws Exception {
        Path out = project.resolve("map");
        List<String> lines = new ArrayList<>();
        job(spec(SPEC.replace("output: flatten_1", "output: out_relu")
                .replace("epochs: 15", "epochs: 2")), out, lines).train();
        ImageFeatures.Report report = Json.read(out.resolve(OutputFiles.IMAGE_ENCODING), ImageFeatures.Report.class);
        assertEquals("mean", report.pooling());
        assertEquals(1280, report.dimension());
        assertTrue(lines.stream().anyMatch(l -> l.contains("(feature map averaged over its positions)")), String.join("\n", lines));
    }

    @Test
    void augmentationIsRefusedAtItsKey() throws Exception {
        String yaml = SPEC.replace("  split:", "  augmentation: { flip: horizontal }\n  split:");
        UserInputException e = assertThrows(UserInputException.class, () -> job(spec(yaml), project.resolve("aug"),
                new ArrayList<>()).train());
        assertTrue(e.getMessage().startsWith("finetune.yaml:5:17: `dataset.augmentation` changes the images every epoch"),
                e.getMessage());
    }

    private static List<String> problems(String yaml) throws Exception {
        return new InputChecks(spec(yaml), project::resolve, project.resolve("mobilenet.onnx")).problems();
    }

    @Test
    void validationSizesTheImagesFromTheModelAndRefusesWhatAFrozenImageBodyCannotDo() throws Exception {
        assertEquals(List.of(), problems(SPEC));
        List<String> refused = problems(SPEC.replace("output: flatten_1", "output: flaten_1, pooling: cls, maxSequenceLength: 8")
                .replace("  split:", "  augmentation: { shift: 2 }\n  split:"));
        assertEquals(4, refused.size(), String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.contains("`base.output` is `flaten_1`, which mobilenet.onnx does not have;"
                + " its outputs are: dense_3, flatten_1, dense_1, out_relu; did you mean `flatten_1`?")), String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.startsWith("finetune.yaml:5:17: `dataset.augmentation`")), String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.contains("`base.pooling: cls` takes a text encoder's first token")),
                String.join("\n", refused));
        assertTrue(refused.stream().anyMatch(p -> p.contains("`base.maxSequenceLength` applies to ONNX text encoders")),
                String.join("\n", refused));
        // the model's input is fixed at 64x64: other sizes are refused before any training
        List<String> sized = problems(SPEC.replace("  path: photos", "  path: photos\n  image: { height: 32, width: 32 }"));
        assertTrue(sized.stream().anyMatch(p -> p.contains("the images, sized by `dataset.image`, have 3072 values each")
                && p.contains("takes 12288 inputs")), String.join("\n", sized));
        // a frozen body cannot forget: retention is refused once, at its key, without checks of its data
        List<String> retention = problems(SPEC + """
                evaluation:
                  retention: { data: { path: nowhere.csv }, maxDrop: { accuracy: 0.02 } }
                """);
        assertEquals(List.of("finetune.yaml:8:14: `evaluation.retention` measures what the base forgets of its own task,"
                + " but ONNX bases are frozen-only (ONNX Runtime has no Java training build): the ONNX body computes"
                + " features once and only the new head trains: its outputs are the same before and after, so there is"
                + " nothing to measure. Remove `evaluation.retention`"), retention);
        // a text encoder's data on an image model
        List<String> text = problems("""
                base: { path: mobilenet.onnx }
                dataset: { path: data.csv, header: true, labelColumn: label, textColumn: text }
                """);
        assertTrue(text.stream().anyMatch(p -> p.contains("a text encoder takes input_ids")), String.join("\n", text));
    }

    /** Validation of an ONNX image base in a fresh JVM that lists every class it loads: no ONNX Runtime, no ND4J. */
    @Test
    void validationLoadsNoNativeRuntime() throws Exception {
        List<String> out = ValidationJvm.classesLoaded(SPEC, project);
        assertTrue(out.stream().anyMatch(l -> l.contains("dev.finetune.engine.onnx.OnnxImageInput ")), "the input was read");
        List<String> natives = out.stream().filter(l -> l.contains(" ai.onnxruntime.") || l.contains("org.nd4j.linalg.factory.Nd4j ")
                || l.contains("org.bytedeco.javacpp.Loader ") || l.contains("org.datavec.image.")).toList();
        assertEquals(List.of(), natives);
    }

    @Test
    void theLayerTableShowsTheBodyItsOutputsAndTheHeadOnTheNamedOne() throws Exception {
        BaseModelInfo info = BaseFormat.inspectAny(project.resolve("mobilenet.onnx"));
        LayerTable table = LayerTable.of(spec(SPEC), info, OptionalInt.of(3));
        assertEquals(Optional.empty(), table.problem());
        assertEquals(Optional.of(1280L * 3 + 3), table.trainableParams(), "the head on flatten_1's 1280 features");
        assertTrue(table.lines().stream().anyMatch(l -> l.matches(".*out_relu\\s+ONNX output float\\[batch, 1280, 2, 2]\\s+2x2x1280\\s+0\\s+frozen.*")),
                String.join("\n", table.lines()));
        assertTrue(table.lines().stream().anyMatch(l -> l.contains("computes its `flatten_1` once per image, and only")),
                String.join("\n", table.lines()));
        LayerTable map = LayerTable.of(spec(SPEC.replace("output: flatten_1", "output: out_relu")), info, OptionalInt.of(3));
        assertEquals(Optional.of(1280L * 3 + 3), map.trainableParams(), "the feature map's 1280 channels, averaged");
        assertTrue(map.lines().stream().anyMatch(l -> l.contains("`out_relu` once per image (a feature map, averaged over its"
                + " positions)")), String.join("\n", map.lines()));
        // without `base.output`: the first output, the model's own 5-class softmax
        LayerTable first = LayerTable.of(spec(SPEC.replace(", output: flatten_1", "")), info, OptionalInt.of(3));
        assertEquals(Optional.of(5L * 3 + 3), first.trainableParams());
    }
}
