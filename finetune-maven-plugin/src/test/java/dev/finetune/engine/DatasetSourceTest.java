package dev.finetune.engine;

import dev.finetune.engine.data.CsvDatasetSource;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dataset seam: which source a spec gets, what it lists for the fingerprint, and what it checks. */
class DatasetSourceTest {

    @TempDir
    Path dir;

    private static FinetuneSpec spec(String datasetYaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset:\n" + datasetYaml);
    }

    private DatasetSource source(FinetuneSpec spec) {
        return DatasetSource.of(spec.dataset(), dir::resolve);
    }

    @Test
    void csvIsTheDefaultType() throws Exception {
        FinetuneSpec implicit = spec("  path: d.csv\n");
        assertEquals(FinetuneSpec.DatasetSpec.Type.csv, implicit.dataset().type());
        assertTrue(source(implicit) instanceof CsvDatasetSource);
        assertTrue(source(spec("  type: csv\n  path: d.csv\n")) instanceof CsvDatasetSource);
    }

    @Test
    void inputPathsAreTheFilesAsTheSpecWritesThem() throws Exception {
        assertEquals(List.of("data/d.csv"), source(spec("  path: data/d.csv\n")).inputPaths());
        assertEquals(List.of("t.csv", "sub/../v.csv", "x.csv"),
                source(spec("  files: { test: x.csv, train: t.csv, validation: sub/../v.csv }\n")).inputPaths());
    }

    @Test
    void csvSourcesAreDeterministic() throws Exception {
        assertTrue(source(spec("  path: d.csv\n")).deterministic());
    }

    @Test
    void missingFilesAreListedSortedAtTheirKeys() throws Exception {
        FinetuneSpec spec = spec("  files:\n    train: t.csv\n    validation: v.csv\n    test: x.csv\n");
        Files.writeString(dir.resolve("v.csv"), "1,2,0\n3,4,1\n");
        assertEquals(List.of("finetune.yaml:4:12: `dataset.files.train` names t.csv, which does not exist",
                        "finetune.yaml:6:11: `dataset.files.test` names x.csv, which does not exist"),
                source(spec).problems(spec::locate));
        assertEquals(OptionalInt.empty(), source(spec).inspect(spec::locate).featureCount());
    }

    @Test
    void readableDataHasNoProblemsAndItsFeatureCount() throws Exception {
        TestBases.writeUpperDigits(dir.resolve("d.csv"));
        FinetuneSpec spec = spec("  path: d.csv\n");
        DatasetSource.Inspection found = source(spec).inspect(spec::locate);
        assertEquals(List.of(), found.problems());
        assertEquals(OptionalInt.of(64), found.featureCount());
    }

    @Test
    void unreadableDataNamesTheFileRowAndWhatWasExpected() throws Exception {
        Files.writeString(dir.resolve("d.csv"), "1,2,0\n3,x,1\n1,1,0\n2,2,1\n");
        FinetuneSpec spec = spec("  path: d.csv\n");
        assertEquals(List.of(dir.resolve("d.csv") + ": row 2, column 2: expected a finite number, found `x`"),
                source(spec).problems(spec::locate));
    }

    /** Maven's JVM lists the input files and checks them: in a fresh JVM that lists every class it loads, no ND4J. */
    @Test
    void listingAndCheckingLoadNoNd4j() throws Exception {
        TestBases.writeUpperDigits(dir.resolve("d.csv"));
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-verbose:class",
                "-cp", System.getProperty("java.class.path"), WithoutNd4j.class.getName(), dir.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertEquals(0, p.waitFor(), String.join("\n", out.subList(Math.max(0, out.size() - 20), out.size())));
        assertTrue(out.contains("inputs: [d.csv], problems: [], features: OptionalInt[64]"), String.join("\n", out));
        assertTrue(out.stream().anyMatch(l -> l.contains("dev.finetune.engine.data.CsvDatasetSource ")), "class listing works");
        List<String> nd4j = new ArrayList<>(out.stream().filter(l -> l.contains("org.nd4j.linalg.factory.Nd4j ")
                || l.contains("org.bytedeco.javacpp.Loader ") || l.contains("org.nd4j.linalg.api.ndarray.INDArray ")).toList());
        assertEquals(List.of(), nd4j);
    }

    /** What {@link #listingAndCheckingLoadNoNd4j} runs: the calls Maven's JVM makes. */
    public static final class WithoutNd4j {
        public static void main(String[] args) throws Exception {
            Path project = Path.of(args[0]);
            FinetuneSpec spec = new SpecParser().parse("finetune.yaml", "base: { path: b.zip }\ndataset: { path: d.csv }\n");
            DatasetSource source = DatasetSource.of(spec.dataset(), project::resolve);
            DatasetSource.Inspection found = source.inspect(spec::locate);
            System.out.println("inputs: " + source.inputPaths() + ", problems: " + found.problems() + ", features: " + found.featureCount());
        }
    }
}
