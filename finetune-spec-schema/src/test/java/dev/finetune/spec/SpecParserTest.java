package dev.finetune.spec;

import dev.finetune.spec.FinetuneSpec.Normalization;
import dev.finetune.spec.FinetuneSpec.Updater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecParserTest {

    private static final String MINIMAL = """
            base:
              path: models/base.zip
            dataset:
              path: data/train.csv
            """;

    private final SpecParser parser = new SpecParser();

    private List<String> problems(String yaml) {
        SpecException e = assertThrows(SpecException.class, () -> parser.parse("finetune.yaml", yaml));
        return e.problems().stream().map(SpecProblem::toString).toList();
    }

    @Test
    void minimalSpecGetsDefaults() throws SpecException {
        FinetuneSpec spec = parser.parse("finetune.yaml", MINIMAL);
        assertEquals(Optional.of("models/base.zip"), spec.base().path());
        assertEquals("data/train.csv", spec.dataset().path().orElseThrow());
        assertEquals(-1, spec.dataset().labelColumn().index().orElseThrow());
        assertEquals(Normalization.standardize, spec.dataset().normalize());
        assertEquals(FinetuneSpec.DatasetSpec.Type.csv, spec.dataset().type());
        assertEquals(0.7, spec.dataset().split().train());
        assertTrue(spec.freeze().isEmpty());
        assertEquals(1, spec.head().removeLayers());
        assertEquals(Updater.adam, spec.training().updater());
        assertEquals(10, spec.maxEpochs());
        assertTrue(spec.earlyStopping().isEmpty());
        assertTrue(spec.evaluation().gates().isEmpty());
        assertTrue(spec.evaluation().regression().isEmpty());
    }

    @Test
    void fullSpecIsRead() throws SpecException {
        FinetuneSpec spec = parser.parse("finetune.yaml", """
                base: { path: b.zip }
                dataset:
                  files: { train: a.csv, validation: b.csv, test: c.csv }
                  labelColumn: digit
                  header: true
                  delimiter: ";"
                  normalize: image
                freeze:
                  layers: [0, conv2]
                  upTo: pool1
                head:
                  removeLayers: 2
                  hidden: [64, { units: 32, activation: tanh }]
                training: { updater: sgd, learningRate: 0.01, batchSize: 8, epochs: 3, l2: 0.0001, dropout: 0.2, seed: 7 }
                earlyStopping: { metric: macroF1, patience: 2, maxEpochs: 30 }
                evaluation:
                  gates: ["accuracy >= 0.9", "loss<0.5"]
                  compareWithScratch: true
                """);
        assertEquals("digit", spec.dataset().labelColumn().name().orElseThrow());
        assertEquals(';', spec.dataset().delimiter());
        assertEquals("c.csv", spec.dataset().files().orElseThrow().test());
        assertEquals(List.of("0", "conv2"), spec.freeze().layers().stream().map(Object::toString).toList());
        assertEquals("pool1", spec.freeze().upTo().orElseThrow().toString());
        assertEquals(2, spec.head().hidden().size());
        assertEquals(FinetuneSpec.Activation.tanh, spec.head().hidden().get(1).activation());
        assertEquals(0.2, spec.training().dropout());
        assertEquals(30, spec.maxEpochs());
        assertEquals(Metric.macroF1, spec.earlyStopping().orElseThrow().metric());
        Gate loss = spec.evaluation().gates().get(1);
        assertEquals(Metric.loss, loss.metric());
        assertTrue(loss.passes(0.4));
        assertFalse(loss.passes(0.5));
        assertEquals(new Location("finetune.yaml", 17, 30), loss.location());
    }

    @Test
    void unknownKeyIsLocatedWithSuggestion() {
        assertEquals(List.of("finetune.yaml:6:3: unknown key `training.learningRat`; did you mean `learningRate`?"),
                problems(MINIMAL + "training:\n  learningRat: 0.1\n"));
    }

    @Test
    void unknownTopLevelKeyListsTheKnownOnes() {
        List<String> p = problems(MINIMAL + "zzz: 1\n");
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("finetune.yaml:5:1: unknown key `zzz`; expected one of: base, dataset, freeze"), p.get(0));
    }

    @Test
    void wrongTypesAreLocated() {
        assertEquals(List.of(
                "finetune.yaml:6:14: `training.batchSize` must be an integer, found string `big`",
                "finetune.yaml:7:17: `training.learningRate` must be greater than 0 and at most 10, found -0.1"),
                problems(MINIMAL + "training:\n  batchSize: big\n  learningRate: -0.1\n"));
    }

    @Test
    void allProblemsAreReportedSortedByPosition() {
        List<String> p = problems("""
                dataset:
                  path: d.csv
                  split: { train: 0.5, validation: 0.2, test: 0.2 }
                training: { epochs: 0, updater: adamm }
                """);
        assertEquals(List.of(
                "finetune.yaml:1:1: missing required key `base`",
                "finetune.yaml:3:10: `dataset.split` ratios must sum to 1, found train 0.5 + validation 0.2 + test 0.2 = 0.9",
                "finetune.yaml:4:21: `training.epochs` must be between 1 and 100000, found 0",
                "finetune.yaml:4:33: `training.updater` must be one of: adam, nadam, sgd, nesterovs, rmsprop, adagrad, found `adamm`; did you mean `adam`?"),
                p);
    }

    @Test
    void yaml12KeepsNoAsAString() {
        // under YAML 1.1 `no` would be the boolean false
        List<String> p = problems(MINIMAL + "freeze: no\n");
        assertEquals(List.of("finetune.yaml:5:9: `freeze` must be `none`, `all` or a mapping with `layers` and/or `upTo`, found string `no`"), p);
    }

    @Test
    void duplicateKeysAreRefused() {
        assertEquals(List.of("finetune.yaml:5:1: duplicate key `base` (first defined at line 1)"),
                problems(MINIMAL + "base: { path: other.zip }\n"));
    }

    @Test
    void javaTypeTagsAreRefusedNotConstructed() {
        List<String> p = problems(MINIMAL + "training: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader [[]]]\n");
        assertTrue(p.get(0).contains("YAML tag `tag:yaml.org,2002:javax.script.ScriptEngineManager` is not allowed"), p.toString());
    }

    @Test
    void aliasBombsAreCapped() {
        StringBuilder yaml = new StringBuilder(MINIMAL).append("x0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1]\n");
        for (int i = 1; i < 12; i++) {
            yaml.append("x").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 9; j++) {
                yaml.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            yaml.append("]\n");
        }
        List<String> p = problems(yaml.toString());
        assertEquals(1, p.size());
        assertTrue(p.get(0).contains("invalid YAML: Number of aliases for non-scalar nodes exceeds the specified max=50"), p.get(0));
    }

    @Test
    void gatesMustBeReadable() {
        List<String> p = problems(MINIMAL + "evaluation:\n  gates:\n    - accuracy => 0.9\n    - acuracy >= 0.9\n");
        assertEquals(List.of(
                "finetune.yaml:7:7: gate `accuracy => 0.9` must read METRIC OP NUMBER, e.g. `accuracy >= 0.9`, with OP one of >=, >, <=, <",
                "finetune.yaml:8:7: gate metric `acuracy` is not computed; expected one of: accuracy, macroF1, macroPrecision, macroRecall, loss; did you mean `accuracy`?"),
                p);
    }

    @Test
    void datasetNeedsExactlyOneSource() {
        assertEquals(List.of("finetune.yaml:4:3: `dataset` needs `path` (one CSV split by ratios) or `files` (train, validation and test CSVs)"),
                problems("base:\n  path: b.zip\ndataset:\n  header: true\n"));
    }

    @Test
    void invalidYamlIsLocated() {
        List<String> p = problems("base:\n  path: [unclosed\n");
        assertEquals(1, p.size());
        assertTrue(p.get(0).startsWith("finetune.yaml:3:1: invalid YAML"), p.get(0));
    }

    @Test
    void oversizedSpecFileIsRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("finetune.yaml");
        Files.writeString(file, MINIMAL + "#" + "x".repeat(SpecParser.MAX_SPEC_BYTES));
        SpecException e = assertThrows(SpecException.class, () -> parser.parse(file));
        assertTrue(e.getMessage().startsWith("finetune.yaml:1:1: spec is "), e.getMessage());
    }

    /** Windows editors save UTF-16 with a byte-order mark; the old message was "cannot read spec: Input length = 1". */
    @Test
    void aUtf16SpecSaysItIsNotUtf8(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("finetune.yaml");
        Files.write(file, ("\uFEFF" + MINIMAL).getBytes(java.nio.charset.StandardCharsets.UTF_16LE));
        SpecException e = assertThrows(SpecException.class, () -> parser.parse(file));
        assertEquals("finetune.yaml:1:1: the spec is not UTF-8 text (it starts with the byte-order mark of UTF-16"
                + " little-endian); save it as UTF-8", e.getMessage());
    }

    @Test
    void missingFileSaysHowToPointElsewhere(@TempDir Path dir) {
        SpecException e = assertThrows(SpecException.class, () -> parser.parse(dir.resolve("finetune.yaml")));
        assertEquals("finetune.yaml:1:1: spec file not found (set -Dfinetune.spec=PATH to use another)", e.getMessage());
    }

    @Test
    void regressionGatesAreBoundInMetricOrderAndCanonical() throws SpecException {
        FinetuneSpec spec = parser.parse("finetune.yaml", MINIMAL + """
                evaluation:
                  regression: { loss: 0.05, macroF1: 0.01, accuracy: 0 }
                """);
        assertEquals(List.of(Metric.accuracy, Metric.macroF1, Metric.loss), List.copyOf(spec.evaluation().regression().keySet()));
        assertEquals(0.01, spec.evaluation().regression().get(Metric.macroF1));
        assertTrue(CanonicalSpec.toYaml(spec).contains("""
                  regression:
                    accuracy: 0.0
                    macroF1: 0.01
                    loss: 0.05
                """), CanonicalSpec.toYaml(spec));
        assertThrows(UnsupportedOperationException.class, () -> spec.evaluation().regression().put(Metric.loss, 1.0));
    }

    @Test
    void baseFormatIsRecognisedByContentUnlessNamed() throws SpecException {
        FinetuneSpec recognised = parser.parse("a.yaml", MINIMAL);
        assertEquals(Optional.empty(), recognised.base().format());
        assertFalse(CanonicalSpec.toYaml(recognised).contains("format"), CanonicalSpec.toYaml(recognised));
        FinetuneSpec named = parser.parse("b.yaml", """
                base: { path: models/mlp.h5, format: keras }
                dataset: { path: data/train.csv }
                """);
        assertEquals(Optional.of(FinetuneSpec.BaseSpec.Format.keras), named.base().format());
        assertTrue(CanonicalSpec.toYaml(named).contains("base:\n  path: models/mlp.h5\n  format: keras\n"), CanonicalSpec.toYaml(named));
    }

    @Test
    void datasetTypeDefaultsToCsvAndTheResolvedSpecSaysSo() throws SpecException {
        String implicit = CanonicalSpec.toYaml(parser.parse("a.yaml", MINIMAL));
        String explicit = CanonicalSpec.toYaml(parser.parse("b.yaml", MINIMAL + "  type: csv\n"));
        assertEquals(implicit, explicit);
        assertTrue(implicit.contains("  normalize: standardize\n  type: csv\nfreeze:"), implicit);
    }

    @Test
    void canonicalFormOfASweepParsesBackToItself() throws SpecException {
        String canonical = CanonicalSpec.toYaml(parser.parse("a.yaml", MINIMAL + """
                sweep:
                  parameters:
                    training.learningRate: { range: [0.0001, 0.01], scale: log }
                    training.l2: { values: [0.0, 0.001] }
                    training.batchSize: { values: [16, 32] }
                    training.updater: { values: [adam, sgd] }
                  strategy: random
                  maxTrials: 4
                """));
        assertTrue(canonical.contains("training.l2:\n      values:"), canonical);
        assertTrue(canonical.contains("scale: log"), canonical);
        assertEquals(canonical, CanonicalSpec.toYaml(parser.parse("canonical.yaml", canonical)));
    }

    @Test
    void canonicalFormIgnoresOrderAndComments() throws SpecException {
        String a = CanonicalSpec.toYaml(parser.parse("a.yaml", """
                dataset: { path: d.csv }   # data
                base: { path: b.zip }
                training: { seed: 1, epochs: 2 }
                """));
        String b = CanonicalSpec.toYaml(parser.parse("b.yaml", """
                base:
                  path: b.zip
                training:
                  epochs: 2
                  seed: 1
                dataset:
                  path: d.csv
                """));
        assertEquals(a, b);
        assertTrue(a.startsWith("base:\n  path: b.zip\ndataset:\n  path: d.csv\n"), a);
        assertTrue(a.contains("  epochs: 2\n"), a);
    }

    @Test
    void datasetGatesBindRoundTripAndDoNotDecideTheModel() throws SpecException {
        String base = "base: { path: b.zip }\ndataset:\n  path: d.csv\n";
        FinetuneSpec gated = parser.parse("a.yaml", base + "  gates: { maxDuplicatesAcrossSplits: 0, maxDuplicates: 12 }\n");
        assertEquals(new FinetuneSpec.DataGates(java.util.Optional.of(0), java.util.Optional.of(12)), gated.dataset().gates());
        assertEquals(new Location("a.yaml", 4, 39), gated.locate("dataset.gates.maxDuplicatesAcrossSplits"));
        FinetuneSpec plain = parser.parse("b.yaml", base);
        assertEquals(FinetuneSpec.DataGates.NONE, plain.dataset().gates());
        // the resolved spec keeps them (sweep trials re-read it); the training inputs leave them out
        String canonical = CanonicalSpec.toYaml(gated);
        assertTrue(canonical.contains("  gates:\n    maxDuplicatesAcrossSplits: 0\n    maxDuplicates: 12\n"), canonical);
        assertEquals(gated.dataset().gates(), parser.parse("c.yaml", canonical).dataset().gates());
        assertEquals(CanonicalSpec.trainingInputsYaml(plain), CanonicalSpec.trainingInputsYaml(gated));
    }

    @Test
    void trainingInputsLeaveOutTheChecksMadeOnTheMetrics() throws SpecException {
        String base = "base: { path: b.zip }\ndataset: { path: d.csv }\n";
        String plain = CanonicalSpec.trainingInputsYaml(parser.parse("a.yaml", base));
        String gated = CanonicalSpec.trainingInputsYaml(parser.parse("b.yaml", base
                + "evaluation: { gates: [accuracy >= 0.9], regression: { macroF1: 0.01 } }\n"));
        String compared = CanonicalSpec.trainingInputsYaml(parser.parse("c.yaml", base
                + "evaluation: { compareWithScratch: true }\n"));
        assertEquals(plain, gated);
        String sweep = "sweep: { parameters: { training.l2: { values: [0.0, 0.1] } }, parallelism: %d }\n";
        assertEquals(CanonicalSpec.trainingInputsYaml(parser.parse("d.yaml", base + sweep.formatted(1))),
                CanonicalSpec.trainingInputsYaml(parser.parse("e.yaml", base + sweep.formatted(3))));
        // training from scratch as well changes what training produces
        assertTrue(!plain.equals(compared), compared);
    }

    @Test
    void pathsLeavingTheProjectAreRefusedUnlessAllowed() throws SpecException {
        String outside = """
                base: { path: ../../etc/model.zip }
                dataset:
                  files: { train: /etc/passwd, validation: data/v.csv, test: data/../t.csv }
                """;
        assertEquals(List.of(
                "finetune.yaml:1:15: `base.path` points outside the project (`../../etc/model.zip`); keep inputs in the project, or allow it in the POM or on the command line with -Dfinetune.allowPathsOutsideProject",
                "finetune.yaml:3:19: `dataset.files.train` points outside the project (`/etc/passwd`); keep inputs in the project, or allow it in the POM or on the command line with -Dfinetune.allowPathsOutsideProject"),
                problems(outside));
        // only the POM or the command line may allow it (the parser's setting), never the spec a pull request edits
        FinetuneSpec allowed = new SpecParser(true).parse("finetune.yaml", outside);
        assertTrue(allowed.allowPathsOutsideProject());
        assertEquals(new Location("finetune.yaml", 1, 15), allowed.locate("base.path"));
        assertEquals(List.of("finetune.yaml:4:1: `allowPathsOutsideProject` cannot be set in the spec, which a pull request can"
                        + " edit: set it in the POM (<finetune.allowPathsOutsideProject>true</...>) or on the command line"
                        + " (-Dfinetune.allowPathsOutsideProject)"),
                assertThrows(SpecException.class, () -> new SpecParser(true).parse("finetune.yaml", outside
                        + "allowPathsOutsideProject: true\n")).problems().stream().map(Object::toString).toList());
    }

    @Test
    void recursiveAliasesAndDeepNestingAreRefused() {
        // found by fuzzing: an alias to the list that contains it made an infinite tree and a stack overflow
        assertEquals(List.of("finetune.yaml:5:4: an alias refers to a collection that contains it at `x[1]`; "
                + "recursive structures are not allowed in a spec"), problems(MINIMAL + "x: &a [1, *a]\n"));
        List<String> deep = problems(MINIMAL + "x: " + "[".repeat(100) + "]".repeat(100) + "\n");
        assertEquals(List.of("finetune.yaml:5:67: nesting deeper than 64 levels is not allowed in a spec"), deep);
    }

    @Test
    void integersTooLargeForTheirFieldAreReportedNotTruncated() {
        assertEquals(List.of(
                "finetune.yaml:2:38: `dataset.labelColumn` must be between -1000000 and 1000000, found 4294967297",
                "finetune.yaml:3:20: `freeze.layers[0]` must be between 0 and 100000, found 4294967296",
                "finetune.yaml:4:19: `training.seed` must be between -9223372036854775808 and 9223372036854775807, found 18446744073709551658"),
                problems("""
                        base: { path: b.zip }
                        dataset: { path: d.csv, labelColumn: 4294967297 }
                        freeze: { layers: [4294967296] }
                        training: { seed: 18446744073709551658 }
                        """));
    }
}
