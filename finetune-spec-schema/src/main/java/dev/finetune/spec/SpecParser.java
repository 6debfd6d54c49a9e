package dev.finetune.spec;

import dev.finetune.spec.FinetuneSpec.Activation;
import dev.finetune.spec.FinetuneSpec.BaseSpec;
import dev.finetune.spec.FinetuneSpec.ColumnRef;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;
import dev.finetune.spec.FinetuneSpec.EarlyStoppingSpec;
import dev.finetune.spec.FinetuneSpec.EvaluationSpec;
import dev.finetune.spec.FinetuneSpec.FreezeSpec;
import dev.finetune.spec.FinetuneSpec.HeadSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import dev.finetune.spec.FinetuneSpec.Normalization;
import dev.finetune.spec.FinetuneSpec.SplitFiles;
import dev.finetune.spec.FinetuneSpec.SplitSpec;
import dev.finetune.spec.FinetuneSpec.TrainingSpec;
import dev.finetune.spec.FinetuneSpec.Updater;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code finetune.yaml} into a {@link FinetuneSpec}.
 *
 * <p>YAML 1.2 core schema via snakeyaml-engine, so {@code freeze: no} stays the string "no" rather than
 * becoming false as under YAML 1.1. Only the node tree is composed: no tag can construct a Java object,
 * alias expansion is capped, and the file size is capped. Every problem is reported with its position,
 * all at once.
 */
public final class SpecParser {

    /** Specs are small; anything larger is a mistake or an attack. */
    public static final int MAX_SPEC_BYTES = 256 * 1024;
    private static final int MAX_ALIASES = 50;
    private static final Set<Tag> STANDARD_TAGS = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.MAP, Tag.SEQ);
    private static final Pattern GATE = Pattern.compile("\\s*([A-Za-z0-9_]+)\\s*(>=|<=|>|<)\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*");

    public FinetuneSpec parse(Path file) throws SpecException {
        return parse(file, file.getFileName() == null ? file.toString() : file.getFileName().toString());
    }

    /** @param name how messages name the file, e.g. its path relative to the project */
    public FinetuneSpec parse(Path file, String name) throws SpecException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_SPEC_BYTES) {
                throw single(name, "spec is " + size + " bytes; at most " + MAX_SPEC_BYTES + " are allowed");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw single(name, "spec file not found (set -Dfinetune.spec=PATH to use another)");
        } catch (IOException e) {
            throw single(name, "cannot read spec: " + e.getMessage());
        }
        return parse(name, text);
    }

    public FinetuneSpec parse(String fileName, String text) throws SpecException {
        Problems problems = new Problems(fileName);
        Node root;
        try {
            root = compose(fileName, text);
        } catch (MarkedYamlEngineException e) {
            Location at = e.getProblemMark().or(e::getContextMark)
                    .map(m -> new Location(fileName, m.getLine() + 1, m.getColumn() + 1))
                    .orElse(new Location(fileName, 1, 1));
            throw new SpecException(List.of(new SpecProblem(at, "invalid YAML: " + firstLine(e.getProblem() == null ? e.getMessage() : e.getProblem()))));
        } catch (YamlEngineException e) {
            throw single(fileName, "invalid YAML: " + firstLine(e.getMessage()));
        }
        if (root == null) {
            throw single(fileName, "spec is empty; expected a mapping with at least `base` and `dataset`");
        }
        checkTags(problems, root);
        if (!problems.isEmpty()) {
            throw new SpecException(problems.all());
        }
        if (!(root instanceof MappingNode rootMapping)) {
            problems.add(root, "a spec must be a mapping of keys to values, found " + YamlMapping.describe(root));
            throw new SpecException(problems.all());
        }
        FinetuneSpec spec = read(problems, new YamlMapping(problems, "", rootMapping));
        if (!problems.isEmpty()) {
            throw new SpecException(problems.all());
        }
        return spec;
    }

    private static Node compose(String fileName, String text) {
        LoadSettings settings = LoadSettings.builder()
                .setLabel(fileName)
                .setSchema(new CoreSchema())
                .setMaxAliasesForCollections(MAX_ALIASES)
                .setAllowRecursiveKeys(false)
                .setCodePointLimit(MAX_SPEC_BYTES)
                .setUseMarks(true)
                .build();
        Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
        Node node = composer.getSingleNode().orElse(null);
        return node;
    }

    /** Explicit tags such as {@code !!java.lang.ProcessBuilder} are refused, not interpreted. */
    private static void checkTags(Problems problems, Node node) {
        if (!STANDARD_TAGS.contains(node.getTag())) {
            problems.add(node, "YAML tag `" + node.getTag().getValue() + "` is not allowed in a spec");
            return;
        }
        if (node instanceof MappingNode m) {
            m.getValue().forEach(t -> {
                checkTags(problems, t.getKeyNode());
                checkTags(problems, t.getValueNode());
            });
        } else if (node instanceof SequenceNode s) {
            s.getValue().forEach(n -> checkTags(problems, n));
        }
    }

    private FinetuneSpec read(Problems problems, YamlMapping root) {
        BaseSpec base = root.requiredMapping("base").map(m -> readBase(m)).orElse(null);
        DatasetSpec dataset = root.requiredMapping("dataset").map(m -> readDataset(problems, m)).orElse(null);
        FreezeSpec freeze = readFreeze(problems, root);
        HeadSpec head = root.mapping("head").map(m -> readHead(problems, m)).orElse(new HeadSpec(1, List.of()));
        TrainingSpec training = root.mapping("training").map(SpecParser::readTraining).orElse(readTraining(null));
        Optional<EarlyStoppingSpec> earlyStopping = root.mapping("earlyStopping")
                .map(m -> readEarlyStopping(m, training.epochs()));
        EvaluationSpec evaluation = root.mapping("evaluation").map(m -> readEvaluation(problems, m))
                .orElse(new EvaluationSpec(List.of(), false));
        root.finish();
        return new FinetuneSpec(base, dataset, freeze, head, training, earlyStopping, evaluation);
    }

    private static BaseSpec readBase(YamlMapping m) {
        String path = m.requiredString("path").orElse("");
        m.finish();
        return new BaseSpec(path);
    }

    private static DatasetSpec readDataset(Problems problems, YamlMapping m) {
        Optional<String> path = m.string("path");
        Optional<SplitFiles> files = m.mapping("files").map(f -> {
            SplitFiles sf = new SplitFiles(f.requiredString("train").orElse(""),
                    f.requiredString("validation").orElse(""), f.requiredString("test").orElse(""));
            f.finish();
            return sf;
        });
        if (path.isPresent() == files.isPresent() && m.value("path").isPresent() == m.value("files").isPresent()) {
            problems.add(m.node(), path.isPresent()
                    ? "`dataset` has both `path` and `files`; use `path` with `split`, or `files` with one file per split"
                    : "`dataset` needs `path` (one CSV split by ratios) or `files` (train, validation and test CSVs)");
        }
        ColumnRef label = m.value("labelColumn").map(v -> readColumn(problems, v)).orElse(ColumnRef.ofIndex(-1));
        boolean header = m.bool("header", false);
        if (label.name().isPresent() && !header && m.has("labelColumn")) {
            problems.add(m.value("labelColumn").orElseThrow(),
                    "`dataset.labelColumn` names a column, which needs `header: true`; or give a 0-based index");
        }
        char delimiter = m.string("delimiter").map(d -> {
            if (d.length() != 1) {
                problems.add(m.value("delimiter").orElseThrow(), "`dataset.delimiter` must be one character, found `" + d + "`");
                return ',';
            }
            return d.charAt(0);
        }).orElse(',');
        SplitSpec split = m.mapping("split").map(s -> readSplit(problems, s)).orElse(new SplitSpec(0.7, 0.15, 0.15, 42, true));
        if (files.isPresent() && m.has("split") && m.value("split").isPresent()) {
            problems.add(m.value("split").orElseThrow(), "`dataset.split` applies to `path` only; with `files` each split has its own file");
        }
        Normalization normalize = m.enumValue("normalize", Normalization.class, Normalization.standardize);
        m.finish();
        return new DatasetSpec(path, files, label, header, delimiter, split, normalize);
    }

    private static ColumnRef readColumn(Problems problems, Node v) {
        Optional<Long> index = YamlMapping.asLong(v);
        if (index.isPresent()) {
            return ColumnRef.ofIndex(index.get().intValue());
        }
        if (v instanceof ScalarNode s && s.getTag().equals(Tag.STR) && !s.getValue().isBlank()) {
            return ColumnRef.ofName(s.getValue());
        }
        problems.add(v, "`dataset.labelColumn` must be a 0-based column index (negative counts from the end) or a header name, found "
                + YamlMapping.describe(v));
        return ColumnRef.ofIndex(-1);
    }

    private static SplitSpec readSplit(Problems problems, YamlMapping s) {
        double train = s.number("train", 0.7, 0, false, 1, true);
        double validation = s.number("validation", 0.15, 0, false, 1, true);
        double test = s.number("test", 0.15, 0, false, 1, true);
        long seed = s.integer("seed", 42L, Long.MIN_VALUE, Long.MAX_VALUE);
        boolean stratify = s.bool("stratify", true);
        double sum = train + validation + test;
        if (Math.abs(sum - 1.0) > 1e-6) {
            problems.add(s.node(), "`dataset.split` ratios must sum to 1, found train " + Gate.format(train) + " + validation "
                    + Gate.format(validation) + " + test " + Gate.format(test) + " = " + Gate.format(Math.round(sum * 1e6) / 1e6));
        }
        s.finish();
        return new SplitSpec(train, validation, test, seed, stratify);
    }

    private static FreezeSpec readFreeze(Problems problems, YamlMapping root) {
        Optional<Node> value = root.value("freeze");
        if (value.isEmpty()) {
            return new FreezeSpec(List.of(), Optional.empty());
        }
        if (value.get() instanceof ScalarNode s && s.getTag().equals(Tag.STR) && s.getValue().equals("none")) {
            return new FreezeSpec(List.of(), Optional.empty());
        }
        if (!(value.get() instanceof MappingNode)) {
            problems.add(value.get(), "`freeze` must be a mapping with `layers` and/or `upTo`, or `none`; found "
                    + YamlMapping.describe(value.get()));
            return new FreezeSpec(List.of(), Optional.empty());
        }
        YamlMapping m = root.mapping("freeze").orElseThrow();
        List<LayerRef> layers = m.sequence("layers")
                .map(nodes -> YamlMapping.each(nodes, n -> readLayer(problems, n, "freeze.layers")))
                .orElse(List.of());
        Optional<LayerRef> upTo = m.value("upTo").flatMap(n -> readLayer(problems, n, "freeze.upTo"));
        m.finish();
        return new FreezeSpec(layers, upTo);
    }

    private static Optional<LayerRef> readLayer(Problems problems, Node n, String key) {
        Location at = problems.location(n);
        Optional<Long> index = YamlMapping.asLong(n);
        if (index.isPresent()) {
            if (index.get() < 0) {
                problems.add(n, "`" + key + "` layer index must be 0 or more, found " + index.get());
                return Optional.empty();
            }
            return Optional.of(new LayerRef(Optional.of(index.get().intValue()), Optional.empty(), at));
        }
        if (n instanceof ScalarNode s && s.getTag().equals(Tag.STR) && !s.getValue().isBlank()) {
            return Optional.of(new LayerRef(Optional.empty(), Optional.of(s.getValue()), at));
        }
        problems.add(n, "`" + key + "` must name a layer by 0-based index or by name, found " + YamlMapping.describe(n));
        return Optional.empty();
    }

    private static HeadSpec readHead(Problems problems, YamlMapping m) {
        int remove = m.integer("removeLayers", 1, 1, 1000);
        List<DenseLayerSpec> hidden = m.sequence("hidden").map(nodes -> YamlMapping.each(nodes, n -> {
            if (YamlMapping.asLong(n).isPresent()) {
                long units = YamlMapping.asLong(n).get();
                if (units < 1 || units > 1_000_000) {
                    problems.add(n, "`head.hidden` layer size must be between 1 and 1000000, found " + units);
                    return Optional.empty();
                }
                return Optional.of(new DenseLayerSpec((int) units, Activation.relu));
            }
            if (n instanceof MappingNode mn) {
                YamlMapping layer = new YamlMapping(problems, "head.hidden[]", mn);
                int units = layer.integer("units", 1, 1, 1_000_000);
                if (!layer.has("units") || layer.value("units").isEmpty()) {
                    problems.add(n, "missing required key `head.hidden[].units`");
                }
                Activation activation = layer.enumValue("activation", Activation.class, Activation.relu);
                layer.finish();
                return Optional.of(new DenseLayerSpec(units, activation));
            }
            problems.add(n, "`head.hidden` entries must be a layer size or {units, activation}, found " + YamlMapping.describe(n));
            return Optional.empty();
        })).orElse(List.of());
        m.finish();
        return new HeadSpec(remove, hidden);
    }

    private static TrainingSpec readTraining(YamlMapping m) {
        if (m == null) {
            return new TrainingSpec(Updater.adam, 1e-3, 32, 10, 0, 0, 42);
        }
        Updater updater = m.enumValue("updater", Updater.class, Updater.adam);
        double lr = m.number("learningRate", 1e-3, 0, false, 10, true);
        int batch = m.integer("batchSize", 32, 1, 1_000_000);
        int epochs = m.integer("epochs", 10, 1, 100_000);
        double l2 = m.number("l2", 0, 0, true, 1, true);
        double dropout = m.number("dropout", 0, 0, true, 1, false);
        long seed = m.integer("seed", 42L, Long.MIN_VALUE, Long.MAX_VALUE);
        m.finish();
        return new TrainingSpec(updater, lr, batch, epochs, l2, dropout, seed);
    }

    private static EarlyStoppingSpec readEarlyStopping(YamlMapping m, int defaultMaxEpochs) {
        Metric metric = m.enumValue("metric", Metric.class, Metric.loss);
        int patience = m.integer("patience", 5, 1, 100_000);
        int maxEpochs = m.integer("maxEpochs", defaultMaxEpochs, 1, 100_000);
        m.finish();
        return new EarlyStoppingSpec(metric, patience, maxEpochs);
    }

    private static EvaluationSpec readEvaluation(Problems problems, YamlMapping m) {
        List<Gate> gates = m.sequence("gates").map(nodes -> YamlMapping.each(nodes, n -> readGate(problems, n)))
                .orElse(List.of());
        boolean compare = m.bool("compareWithScratch", false);
        m.finish();
        return new EvaluationSpec(gates, compare);
    }

    private static Optional<Gate> readGate(Problems problems, Node n) {
        if (!(n instanceof ScalarNode s) || !s.getTag().equals(Tag.STR)) {
            problems.add(n, "`evaluation.gates` entries must be strings like `accuracy >= 0.9`, found " + YamlMapping.describe(n));
            return Optional.empty();
        }
        Matcher g = GATE.matcher(s.getValue());
        if (!g.matches()) {
            problems.add(n, "gate `" + s.getValue() + "` must read METRIC OP NUMBER, e.g. `accuracy >= 0.9`, with OP one of >=, >, <=, <");
            return Optional.empty();
        }
        Metric metric = null;
        for (Metric candidate : Metric.values()) {
            if (candidate.name().equals(g.group(1))) {
                metric = candidate;
            }
        }
        if (metric == null) {
            String hint = Suggestions.closest(g.group(1), Metric.names()).map(x -> "; did you mean `" + x + "`?").orElse("");
            problems.add(n, "gate metric `" + g.group(1) + "` is not computed; expected one of: "
                    + String.join(", ", Metric.names()) + hint);
            return Optional.empty();
        }
        return Optional.of(new Gate(metric, Gate.Comparison.ofSymbol(g.group(2)), Double.parseDouble(g.group(3)), problems.location(n)));
    }

    private static SpecException single(String file, String message) {
        return new SpecException(List.of(new SpecProblem(new Location(file, 1, 1), message)));
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").trim();
    }

}
