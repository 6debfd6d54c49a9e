package dev.finetune.engine.diff;

import dev.finetune.engine.layout.OutputFiles;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;

import dev.finetune.engine.packaging.ModelArchive;
import dev.finetune.engine.report.ClassMetrics;
import dev.finetune.engine.report.SplitMetrics;
import dev.finetune.engine.report.TrainingReport;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a {@link Snapshot} from a packaged model zip (its {@code finetune/} entries) or from a build's output
 * directory. Reports from other plugin versions are read leniently: unknown fields are ignored, missing ones
 * leave facts out rather than failing the comparison.
 */
public final class SnapshotReader {


    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private SnapshotReader() {
    }

    /** A packaged model: the zip {@code finetune:package} wrote, e.g. a released version from a repository. */
    public static Snapshot fromArchive(Path zip, String label, String source) throws IOException {
        try (ZipFile archive = new ZipFile(zip.toFile())) {
            Optional<byte[]> spec = entry(archive, OutputFiles.ARCHIVE_RESOLVED_SPEC);
            if (spec.isEmpty()) {
                throw new IOException(zip + " is not a model packaged by finetune:package: it has no "
                        + OutputFiles.ARCHIVE_METADATA_DIR + OutputFiles.ARCHIVE_RESOLVED_SPEC);
            }
            return of(label, source, new String(spec.get(), StandardCharsets.UTF_8), entry(archive, OutputFiles.METRICS),
                    entry(archive, OutputFiles.TRAINING), entry(archive, OutputFiles.LINEAGE));
        }
    }

    /**
     * This build: its resolved spec, and its reports when they belong to this spec and these inputs
     * ({@code resultsCurrent}); stale reports of an earlier spec would compare the wrong model.
     */
    public static Snapshot fromBuild(String label, String canonicalSpecYaml, Path outputDir, boolean resultsCurrent)
            throws IOException {
        return of(label, outputDir.toString(), canonicalSpecYaml,
                resultsCurrent ? file(outputDir.resolve(OutputFiles.METRICS)) : Optional.empty(),
                resultsCurrent ? file(outputDir.resolve(OutputFiles.TRAINING)) : Optional.empty(),
                resultsCurrent ? file(outputDir.resolve(OutputFiles.LINEAGE)) : Optional.empty());
    }

    static Snapshot of(String label, String source, String specYaml, Optional<byte[]> metrics, Optional<byte[]> training,
                       Optional<byte[]> lineage) throws IOException {
        Optional<SplitMetrics> test = Optional.empty();
        Optional<dev.finetune.engine.report.RetentionReport> retention = Optional.empty();
        if (metrics.isPresent()) {
            JsonNode r = JSON.readTree(metrics.get()).path("retention");
            try {
                retention = r.isObject() ? Optional.of(JSON.treeToValue(r, dev.finetune.engine.report.RetentionReport.class))
                        : Optional.empty();
            } catch (IOException | RuntimeException e) {
                retention = Optional.empty(); // another plugin version's shape: not compared
            }
            JsonNode node = JSON.readTree(metrics.get()).path("test");
            test = node.isObject() ? Optional.of(JSON.treeToValue(node, SplitMetrics.class)) : Optional.empty();
            // a report of another plugin version without the per-class parts cannot be compared class by class
            test = test.filter(t -> t.classes() != null && t.perClass() != null && t.confusionMatrix() != null);
        }
        Optional<TrainingReport> trainingReport = training.isPresent()
                ? Optional.of(JSON.readValue(training.get(), TrainingReport.class)) : Optional.empty();
        Optional<JsonNode> lineageTree = lineage.isPresent() ? Optional.of(JSON.readTree(lineage.get())) : Optional.empty();
        return new Snapshot(label, source, specTree(specYaml), test, trainingReport, facts(test, trainingReport, lineageTree),
                retention.filter(x -> x.before() != null && x.after() != null && x.drop() != null));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> specTree(String yaml) throws IOException {
        Object tree = new Load(LoadSettings.builder().build()).loadFromString(yaml);
        if (!(tree instanceof Map<?, ?>)) {
            throw new IOException("the resolved spec is not a YAML mapping");
        }
        return (Map<String, Object>) tree;
    }

    /**
     * Split sizes, class counts and hashes, never the data itself. From {@code lineage.json} when the model has
     * one; otherwise what training and metrics reports record (sizes of all splits, class counts of test).
     */
    static Map<String, Object> facts(Optional<SplitMetrics> test, Optional<TrainingReport> training, Optional<JsonNode> lineage) {
        Map<String, Object> splits = new LinkedHashMap<>();
        training.ifPresent(t -> {
            splits.put("train", new LinkedHashMap<>(Map.of("rows", t.trainExamples())));
            splits.put("validation", new LinkedHashMap<>(Map.of("rows", t.validationExamples())));
        });
        test.ifPresent(m -> {
            Map<String, Object> split = new LinkedHashMap<>();
            split.put("rows", m.examples());
            split.put("classCounts", classCounts(m.perClass().stream()
                    .collect(Collectors.toMap(ClassMetrics::label, ClassMetrics::support, (a, b) -> a, TreeMap::new))));
            splits.put("test", split);
        });
        Map<String, Object> base = new LinkedHashMap<>();
        lineage.ifPresent(l -> {
            l.path("dataset").path("splits").fields().forEachRemaining(s -> {
                Map<String, Object> split = new LinkedHashMap<>();
                JsonNode n = s.getValue();
                if (n.path("rows").canConvertToInt()) {
                    split.put("rows", n.path("rows").asInt());
                }
                if (n.path("sha256").isTextual()) {
                    split.put("sha256", shortHash(n.path("sha256").asText()));
                }
                if (n.path("classCounts").isObject()) {
                    Map<String, Object> counts = new TreeMap<>();
                    n.path("classCounts").fields().forEachRemaining(c -> counts.put(c.getKey(), c.getValue().asInt()));
                    split.put("classCounts", classCounts(counts));
                }
                splits.put(s.getKey(), split);
            });
            JsonNode b = l.path("base");
            if (b.path("sha256").isTextual()) {
                base.put("sha256", shortHash(b.path("sha256").asText()));
            }
            if (b.path("coordinates").isTextual()) {
                base.put("coordinates", b.path("coordinates").asText());
            }
        });
        Map<String, Object> facts = new LinkedHashMap<>();
        if (!splits.isEmpty()) {
            facts.put("dataset", Map.of("splits", splits));
        }
        if (!base.isEmpty()) {
            facts.put("base", base);
        }
        return facts;
    }

    /** One value per split, {@code 5: 9, 6: 9, ...}: a row per class would bury the table. */
    private static String classCounts(Map<String, ?> counts) {
        return counts.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** Twelve hex digits tell two files apart for a reviewer; the full hash stays in lineage.json. */
    private static String shortHash(String sha256) {
        return sha256.length() > 12 ? sha256.substring(0, 12) : sha256;
    }

    private static Optional<byte[]> entry(ZipFile zip, String name) throws IOException {
        ZipEntry e = zip.getEntry(OutputFiles.ARCHIVE_METADATA_DIR + name);
        if (e == null) {
            return Optional.empty();
        }
        try (InputStream in = zip.getInputStream(e)) {
            return Optional.of(in.readAllBytes());
        }
    }

    private static Optional<byte[]> file(Path p) throws IOException {
        return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }
}
