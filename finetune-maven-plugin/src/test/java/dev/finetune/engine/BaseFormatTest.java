package dev.finetune.engine;

import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.engine.job.FinetuneJob;
import dev.finetune.engine.job.JobOptions;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.engine.model.BaseFormat;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.Net;
import dev.finetune.engine.packaging.GitInfo;
import dev.finetune.engine.packaging.Lineage;
import dev.finetune.engine.packaging.ModelPackager;
import dev.finetune.engine.report.TrainingReport;
import dev.finetune.engine.report.Json;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DL4J zip format: recognised by content, inspected without weights (checked against the loaded network), loaded. */
class BaseFormatTest {

    @TempDir
    static Path project;

    @BeforeAll
    static void inputs() throws Exception {
        TestBases.writeProject(project, true);
    }

    /** What inspection reads from the configuration must be what DL4J builds from it. */
    private static void assertInspectionMatchesTheNetwork(Path file) {
        BaseModelInfo info = BaseFormat.inspectAny(file);
        Net net = BaseFormat.loadAny(file);
        assertEquals(Optional.of(net.numParams()), info.params(), file + ": " + info);
        assertEquals(net.layers().length, info.layers().size());
        for (int i = 0; i < info.layers().size(); i++) {
            assertEquals(Optional.of(net.layers()[i].numParams()), info.layers().get(i).params(), info.layers().get(i).toString());
        }
        assertEquals(net.isGraph(), info.graph());
    }

    @Test
    void denseBasesOfBothKindsAreInspectedAsDl4jBuildsThem() {
        for (String base : List.of("mln.zip", "graph.zip")) {
            assertInspectionMatchesTheNetwork(project.resolve(base));
            BaseModelInfo info = BaseFormat.inspectAny(project.resolve(base));
            assertEquals(Optional.of(List.of(64L)), info.inputShape());
            assertFalse(info.packaged());
        }
        assertEquals("DL4J model zip (MultiLayerNetwork), 3 layers, input [64], 2,693 parameters",
                BaseFormat.inspectAny(project.resolve("mln.zip")).summary());
    }

    @Test
    void convolutionalBasesGiveTheirImageShapeAndParameterCounts(@TempDir Path dir) throws Exception {
        MultiLayerNetwork cnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).name("conv").nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().name("bn").build())
                .layer(new SubsamplingLayer.Builder(2, 2).name("pool").stride(2, 2).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(10).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1))
                .build());
        cnn.init();
        Path file = dir.resolve("cnn.zip");
        Net.of(cnn).save(file);
        assertInspectionMatchesTheNetwork(file);
        BaseModelInfo info = BaseFormat.inspectAny(file);
        assertEquals(Optional.of(List.of(1L, 8L, 8L)), info.inputShape());
        assertEquals(Optional.of(64), info.inputSize());
        assertEquals(List.of("conv", "bn", "pool", "fc", "out"), info.names());
        assertEquals(List.of("6x6x4", "6x6x4", "3x3x4", "10", "3"), info.layers().stream().map(BaseModelInfo.LayerInfo::shapeText).toList());
    }

    /** finetune:layers' image shapes (height x width x channels) for a DL4J zip: what DL4J's own forward pass gives. */
    @Test
    void imageShapesOfDl4jLayersAreTheForwardPassesShapes(@TempDir Path dir) throws Exception {
        MultiLayerNetwork cnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(5, 5).name("conv1").nOut(6).stride(1, 1).padding(1, 1).build())
                .layer(new ConvolutionLayer.Builder(3, 3).name("same").nOut(5).stride(2, 2)
                        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).build())
                .layer(new SubsamplingLayer.Builder(3, 3).name("pool").stride(2, 2).build())
                .layer(new org.deeplearning4j.nn.conf.layers.ActivationLayer.Builder().name("act").activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().name("fc").nOut(7).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("out").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(29, 23, 2))
                .build());
        cnn.init();
        Path file = dir.resolve("shapes.zip");
        Net.of(cnn).save(file);
        List<String> inspected = BaseFormat.inspectAny(file).layers().stream().map(BaseModelInfo.LayerInfo::shapeText).toList();
        List<org.nd4j.linalg.api.ndarray.INDArray> activations = cnn.feedForward(org.nd4j.linalg.factory.Nd4j.zeros(1, 29 * 23 * 2), false);
        List<String> actual = new java.util.ArrayList<>();
        for (int i = 1; i < activations.size(); i++) {
            long[] s = activations.get(i).shape();
            actual.add(s.length == 4 ? s[2] + "x" + s[3] + "x" + s[1] : String.valueOf(s[1]));
        }
        assertEquals(actual, inspected);
        assertEquals("27x21x6", inspected.get(0));
    }

    /**
     * The plugin's own artifact is a DL4J zip with more entries: inspected with its frozen layers and recognised as
     * packaged, and fine-tuned again as the next base.
     */
    @Test
    void aModelThisPluginPackagedIsTheNextBase(@TempDir Path first, @TempDir Path second) throws Exception {
        String yaml = """
                base: { path: %s }
                dataset:
                  path: data/upper.csv
                  split: { train: 0.3, validation: 0.2, test: 0.5, seed: 3 }
                freeze: { upTo: hidden1 }
                training: { learningRate: 0.01, batchSize: 16, epochs: 3, seed: 5 }
                """;
        Path specFile = project.resolve("first.yaml");
        Files.writeString(specFile, yaml.formatted("mln.zip"));
        FinetuneSpec spec = new SpecParser().parse(specFile);
        FinetuneJob job = TestBases.job(spec, project, first, EventSink.NONE, JobOptions.DEFAULTS);
        job.train();
        job.evaluate();
        Path artifact = project.resolve("tuned.zip");
        ModelPackager.write(new ModelPackager.Request(spec, specFile, project, first, project.resolve("mln.zip"), Optional.empty(),
                new Lineage.Model("com.example", "digits", "1.0"), "0.1.0", "Digits", "Upper digits.",
                LocalDateTime.of(2026, 1, 1, 0, 0), Optional.of(new GitInfo("0123456789abcdef", false))), artifact);

        BaseModelInfo info = BaseFormat.inspectAny(artifact);
        assertTrue(info.packaged(), info.toString());
        assertTrue(info.format().startsWith("model packaged by finetune-maven-plugin"), info.format());
        assertEquals(List.of("hidden1", "hidden2", "head_output"), info.names());
        assertEquals(List.of(true, false, false), info.layers().stream().map(BaseModelInfo.LayerInfo::frozen).toList());
        assertInspectionMatchesTheNetwork(artifact);

        FinetuneSpec next = new SpecParser().parse("next.yaml", yaml.formatted("tuned.zip").replace("upTo: hidden1", "upTo: hidden2"));
        assertEquals(List.of(), new InputChecks(next, p -> project.resolve(p), artifact).problems());
        FinetuneJob nextJob = TestBases.job(next, project, second, EventSink.NONE, JobOptions.DEFAULTS);
        nextJob.train();
        nextJob.evaluate();
        TrainingReport report = Json.read(second.resolve(OutputFiles.TRAINING), TrainingReport.class);
        assertEquals(List.of("hidden1", "hidden2"), report.frozenLayers());

        // the new model's lineage and card name the tuned model it started from
        Path nextSpec = Files.writeString(project.resolve("next.yaml"), yaml.formatted("tuned.zip").replace("upTo: hidden1", "upTo: hidden2"));
        ModelPackager.write(new ModelPackager.Request(next, nextSpec, project, second, artifact, Optional.empty(),
                new Lineage.Model("com.example", "digits-v2", "2.0"), "0.1.0", "Digits 2", "Again.",
                LocalDateTime.of(2026, 1, 1, 0, 0), Optional.empty()), project.resolve("tuned-again.zip"));
        Lineage lineage = Json.read(second.resolve(OutputFiles.LINEAGE), Lineage.class);
        assertEquals(Optional.of(new Lineage.Model("com.example", "digits", "1.0")), lineage.base().tunedFrom());
        // and records the network it packaged, as finetune:train wrote it
        assertEquals(Optional.of(dev.finetune.engine.fingerprint.Fingerprint.zipEntriesSha256(second.resolve(OutputFiles.MODEL))),
                lineage.network());
        assertTrue(Files.readString(second.resolve(OutputFiles.MODEL_CARD))
                .contains("`tuned.zip`, itself fine-tuned by this plugin as `com.example:digits:1.0`"));
        assertEquals(Optional.empty(), Json.read(first.resolve(OutputFiles.LINEAGE), Lineage.class).base().tunedFrom());
    }

    /** A copy of {@code base} with entries replaced or added; {@code null} removes one. */
    private static Path rewritten(Path base, Path target, java.util.Map<String, byte[]> changes) throws Exception {
        try (java.util.zip.ZipFile in = new java.util.zip.ZipFile(base.toFile());
             java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(Files.newOutputStream(target))) {
            for (var e : java.util.Collections.list(in.entries())) {
                if (changes.containsKey(e.getName())) {
                    continue;
                }
                out.putNextEntry(new java.util.zip.ZipEntry(e.getName()));
                out.write(in.getInputStream(e).readAllBytes());
            }
            for (var change : changes.entrySet()) {
                if (change.getValue() != null) {
                    out.putNextEntry(new java.util.zip.ZipEntry(change.getKey()));
                    out.write(change.getValue());
                }
            }
        }
        return target;
    }

    /** A base from a pull request must not make the training JVM deserialize Java objects from it. */
    @Test
    void aBaseWithAJavaSerializedEntryIsRefusedNamingTheEntry(@TempDir Path dir) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(new java.util.ArrayList<>(List.of("payload")));
        }
        Path base = rewritten(project.resolve("mln.zip"), dir.resolve("evil.zip"), java.util.Map.of("preprocessor.bin", bytes.toByteArray()));
        for (org.junit.jupiter.api.function.Executable step : List.<org.junit.jupiter.api.function.Executable>of(
                () -> BaseFormat.inspectAny(base), () -> BaseFormat.loadAny(base))) {
            UserInputException e = assertThrows(UserInputException.class, step);
            assertEquals(base + ": holds preprocessor.bin, a Java-serialized object, which this plugin refuses to deserialize"
                    + " (it could run code from the file); the plugin does not use a base's preprocessor.bin: remove the entry"
                    + " from the zip", e.getMessage());
        }
    }

    @Test
    void aZipBombConfigurationAndATruncatedModelAreClearErrors(@TempDir Path dir) throws Exception {
        Path bomb = rewritten(project.resolve("mln.zip"), dir.resolve("bomb.zip"),
                java.util.Map.of("configuration.json", " ".repeat((16 << 20) + 10).getBytes()));
        assertTrue(Files.size(bomb) < 1 << 20, "the bomb is small on disk");
        UserInputException big = assertThrows(UserInputException.class, () -> BaseFormat.inspectAny(bomb));
        assertTrue(big.getMessage().endsWith("its configuration.json is larger than 16 MiB; a DL4J configuration is kilobytes,"
                + " so this is not a model this plugin loads"), big.getMessage());

        byte[] coefficients;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(project.resolve("mln.zip").toFile())) {
            coefficients = zip.getInputStream(zip.getEntry("coefficients.bin")).readAllBytes();
        }
        Path truncated = rewritten(project.resolve("mln.zip"), dir.resolve("truncated.zip"),
                java.util.Map.of("coefficients.bin", java.util.Arrays.copyOf(coefficients, coefficients.length / 2)));
        UserInputException cut = assertThrows(UserInputException.class, () -> BaseFormat.loadAny(truncated));
        assertTrue(cut.getMessage().startsWith(truncated + ": cannot load the base model as a DL4J MultiLayerNetwork: "), cut.getMessage());
        assertTrue(cut.getMessage().endsWith("coefficients.bin ends early (the file is truncated or corrupt; copy or download"
                + " it again)"), cut.getMessage());
    }

    /** As an {@code install} killed mid-copy leaves a zip with Maven 3.8: the first bytes, no central directory. */
    @Test
    void aZipCutShortNamesTheFileAndHowToRecover(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(project.resolve("mln.zip"));
        Path cut = Files.write(dir.resolve("mln-1.0.0.zip"), java.util.Arrays.copyOf(whole, whole.length / 2));
        UserInputException e = assertThrows(UserInputException.class, () -> BaseFormat.of(cut));
        assertEquals(cut + ": a damaged or truncated zip (zip END header not found): copy or download it again; a zip in"
                + " a local Maven repository is left so by an `install` killed while it copied (Maven before 3.9 copies in"
                + " place): rerun that `mvn install`, or delete the file so that it is resolved again", e.getMessage());
    }

    @Test
    void aFileOfNoKnownFormatIsAUserErrorNamingTheFormatsThatExist(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("model.zip"), "not a zip");
        UserInputException e = assertThrows(UserInputException.class, () -> BaseFormat.of(text));
        assertEquals(text + ": not a readable base model; the formats this plugin reads are: DL4J model zip (a zip holding "
                + "configuration.json and coefficients.bin, as ModelSerializer writes it), Keras 2 HDF5 model (an HDF5 file "
                + "(.h5) with a Keras model_config, as Keras 2's model.save(\"model.h5\") writes it), ONNX model (an ONNX protobuf"
                + " model (.onnx), as torch.onnx.export or tf2onnx write it)", e.getMessage());
        // a jar or zip that holds a model somewhere inside: the message says how to name it
        Path jar = dir.resolve("encoder.jar");
        try (var out = new java.util.zip.ZipOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new java.util.zip.ZipEntry("model.onnx"));
            out.closeEntry();
        }
        UserInputException archive = assertThrows(UserInputException.class, () -> BaseFormat.of(jar));
        assertTrue(archive.getMessage().endsWith("; this file is a zip or jar archive: name the model file inside it with"
                + " `base.entry`"), archive.getMessage());
        assertEquals(dir.resolve("absent.zip") + ": base model not found",
                assertThrows(UserInputException.class, () -> BaseFormat.of(dir.resolve("absent.zip"))).getMessage());
    }
}
