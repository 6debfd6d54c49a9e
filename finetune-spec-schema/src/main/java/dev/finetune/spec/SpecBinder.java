package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.finetune.spec.FinetuneSpec.Activation;
import dev.finetune.spec.FinetuneSpec.AugmentationSpec;
import dev.finetune.spec.FinetuneSpec.ImageSpec;
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

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a tree that passed the schema into the spec records, filling defaults, and checks what a schema cannot
 * express: ratios that must sum to 1, keys that exclude each other, gates naming metrics that are not computed.
 */
final class SpecBinder {

    private static final Pattern GATE = Pattern.compile("\\s*([A-Za-z0-9_]+)\\s*(>=|<=|>|<)\\s*([-+]?[0-9]*\\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\\s*");

    private final LocatedTree tree;
    private final Problems problems;

    private final boolean allowOutside;

    SpecBinder(LocatedTree tree, Problems problems, boolean allowPathsOutsideProject) {
        this.tree = tree;
        this.problems = problems;
        this.allowOutside = allowPathsOutsideProject;
    }

    FinetuneSpec bind() {
        JsonNode root = tree.root();
        if (root.has("allowPathsOutsideProject")) {
            problems.add(tree.keyAt("allowPathsOutsideProject"), "`allowPathsOutsideProject` cannot be set in the spec, which a"
                    + " pull request can edit: set it in the POM (<finetune.allowPathsOutsideProject>true</...>) or on the"
                    + " command line (-Dfinetune.allowPathsOutsideProject)");
        }
        for (String path : java.util.List.of("base.path", "dataset.path", "dataset.files.train", "dataset.files.validation",
                "dataset.files.test", "evaluation.retention.data.path")) {
            checkInsideProject(path, allowOutside);
        }
        TrainingSpec training = training(root.path("training"));
        BaseSpec base = base(root.path("base"));
        DatasetSpec dataset = dataset(root.path("dataset"));
        FreezeSpec freeze = freeze(root.path("freeze"));
        if (training.l2sp() > 0 && freeze.all()) {
            problems.add(tree.valueAt("training.l2sp"), "`training.l2sp` pulls the base's trainable layers toward their"
                    + " pretrained values, but `freeze: all` leaves none of them training; unfreeze some (`freeze.upTo`)"
                    + " or leave `training.l2sp` out");
        }
        if (training.layerLearningRateDecay() != TrainingSpec.NO_DECAY && freeze.all() && training.stages().isEmpty()) {
            problems.add(tree.valueAt("training.layerLearningRateDecay"), "`training.layerLearningRateDecay` lowers the"
                    + " rates of the base's layers below the head, but `freeze: all` leaves none of them training;"
                    + " unfreeze some (`freeze.upTo`) or leave the decay out");
        }
        return new FinetuneSpec(
                base,
                dataset,
                freeze,
                head(root.path("head")),
                training,
                root.has("earlyStopping") ? Optional.of(earlyStopping(root.path("earlyStopping"), training.epochs())) : Optional.empty(),
                evaluation(root.path("evaluation")),
                root.has("sweep") ? Optional.of(new SweepBinder(tree, problems, this::hiddenLayers, this::layer, this::layerRates,
                        training.stages().size()).bind(root.path("sweep")))
                        : Optional.empty(),
                allowOutside,
                tree.values());
    }

    /**
     * Paths in a spec stay inside the project unless the POM or command line allows otherwise: a spec from a pull
     * request must not make the build read (or a later goal write) arbitrary files.
     */
    private void checkInsideProject(String path, boolean allowOutside) {
        JsonNode value = at(path);
        if (allowOutside || !value.isTextual()) {
            return;
        }
        java.nio.file.Path p;
        try {
            p = java.nio.file.Path.of(value.textValue());
        } catch (java.nio.file.InvalidPathException e) {
            problems.add(tree.valueAt(path), "`" + path + "` is not a valid path: " + e.getReason());
            return;
        }
        if (p.isAbsolute() || p.normalize().startsWith("..")) {
            problems.add(tree.valueAt(path), "`" + path + "` points outside the project (`" + value.textValue()
                    + "`); keep inputs in the project, or allow it in the POM or on the command line with"
                    + " -Dfinetune.allowPathsOutsideProject");
        }
    }

    private BaseSpec base(JsonNode b) {
        Optional<String> path = text(b, "path");
        Optional<String> artifact = text(b, "artifact");
        if (path.isPresent() && artifact.isPresent()) {
            problems.add(tree.keyAt("base.artifact"), "`base` has both `path` and `artifact`; name the model zip in the "
                    + "project with `path`, or a released model with `artifact: groupId:artifactId:version`");
        } else if (!b.has("path") && !b.has("artifact") && b.isObject()
                && !hasUnknownKey(b, "sha256", "format", "extension", "entry", "tokenizer", "output", "pooling", "maxSequenceLength")) {
            // with an unknown key (a typo of `path`?) the schema's "did you mean" says it better
            problems.add(tree.valueAt("base"), "`base` needs `path` (a model zip in the project) or `artifact` "
                    + "(Maven coordinates groupId:artifactId:version[:classifier] of a model zip)");
        }
        // an unknown name is the schema's to report
        Optional<BaseSpec.Format> format = java.util.Arrays.stream(BaseSpec.Format.values())
                .filter(f -> b.path("format").isTextual() && f.name().equals(b.path("format").textValue())).findFirst();
        if (b.has("extension") && artifact.isEmpty() && path.isPresent()) {
            problems.add(tree.keyAt("base.extension"), "`base.extension` is the extension of an artifact's file and applies to "
                    + "`base.artifact` only; `base.path` names the file itself");
        }
        Optional<String> entry = text(b, "entry");
        entry.ifPresent(e -> archivePath("base.entry", e));
        Optional<String> tokenizer = text(b, "tokenizer");
        if (tokenizer.isPresent()) {
            // inside the archive `base.entry` is in; without one, a file of the project
            if (entry.isPresent()) {
                archivePath("base.tokenizer", tokenizer.get());
            } else {
                checkInsideProject("base.tokenizer", allowOutside);
            }
        }
        Optional<BaseSpec.Pooling> pooling = java.util.Arrays.stream(BaseSpec.Pooling.values())
                .filter(f -> b.path("pooling").isTextual() && f.name().equals(b.path("pooling").textValue())).findFirst();
        Optional<Integer> maxLength = b.path("maxSequenceLength").isIntegralNumber() && b.path("maxSequenceLength").canConvertToInt()
                ? Optional.of(b.path("maxSequenceLength").intValue())
                : Optional.empty();
        return new BaseSpec(path, artifact, text(b, "sha256"), format, text(b, "extension"), entry, tokenizer,
                text(b, "output"), pooling, maxLength);
    }

    /**
     * A path inside an archive: relative, with {@code /} separators and no {@code ..}, so extracting it cannot write or
     * read outside the directory it goes to (zip slip).
     */
    private void archivePath(String key, String value) {
        boolean traverses = java.util.Arrays.asList(value.split("/", -1)).contains("..");
        if (value.startsWith("/") || value.contains("\\") || value.contains(":") || traverses || value.endsWith("/")) {
            problems.add(tree.valueAt(key), "`" + key + "` must be a file's path inside the archive, relative, with `/`"
                    + " between folders and no `..`, found `" + value + "`");
        }
    }

    private static boolean hasUnknownKey(JsonNode mapping, String... known) {
        var names = mapping.fieldNames();
        while (names.hasNext()) {
            if (!java.util.List.of(known).contains(names.next())) {
                return true;
            }
        }
        return false;
    }

    private JsonNode at(String path) {
        JsonNode node = tree.root();
        for (String part : path.split("\\.")) {
            node = node.path(part);
        }
        return node;
    }

    private DatasetSpec dataset(JsonNode d) {
        DatasetSpec.Type type = enumOr(DatasetSpec.Type.class, d.path("type"), DatasetSpec.Type.csv);
        Optional<String> path = text(d, "path");
        Optional<SplitFiles> files = d.has("files")
                ? Optional.of(new SplitFiles(d.path("files").path("train").asText(), d.path("files").path("validation").asText(),
                d.path("files").path("test").asText()))
                : Optional.empty();
        if (path.isPresent() && files.isPresent()) {
            problems.add(tree.keyAt("dataset.files"), "`dataset` has both `path` and `files`; use `path` with `split`, "
                    + "or `files` with one file per split");
        } else if (path.isEmpty() && files.isEmpty() && d.isObject()) {
            problems.add(tree.valueAt("dataset"), type == DatasetSpec.Type.images
                    ? "`dataset` needs `path` (one folder with a sub-folder per class, split by ratios) or `files` "
                    + "(train, validation and test folders, each with a sub-folder per class)"
                    : "`dataset` needs `path` (one CSV split by ratios) or `files` (train, validation and test CSVs)");
        }
        checkKeysOfType(d, type);
        JsonNode label = d.path("labelColumn");
        ColumnRef labelColumn = label.isTextual() ? ColumnRef.ofName(label.textValue()) : ColumnRef.ofIndex(label.asInt(-1));
        boolean header = d.path("header").asBoolean(false);
        if (label.isTextual() && !header) {
            problems.add(tree.valueAt("dataset.labelColumn"), "`dataset.labelColumn` names a column, which needs "
                    + "`header: true`; or give a 0-based index");
        }
        if (files.isPresent() && d.has("split")) {
            problems.add(tree.keyAt("dataset.split"), "`dataset.split` applies to `path` only; with `files` each split has its own file");
        }
        JsonNode s = d.path("split");
        SplitSpec split = new SplitSpec(s.path("train").asDouble(0.7), s.path("validation").asDouble(0.15),
                s.path("test").asDouble(0.15), s.path("seed").asLong(42), s.path("stratify").asBoolean(true));
        double sum = split.train() + split.validation() + split.test();
        // with a misspelt ratio (`tset`) the sum would be of a default the user did not mean: the typo says it better
        if (d.has("split") && Math.abs(sum - 1.0) > 1e-6 && !hasUnknownKey(s, "train", "validation", "test", "seed", "stratify")) {
            problems.add(tree.valueAt("dataset.split"), "`dataset.split` ratios must sum to 1, found train " + Gate.format(split.train())
                    + " + validation " + Gate.format(split.validation()) + " + test " + Gate.format(split.test()) + " = "
                    + Gate.format(Math.round(sum * 1e6) / 1e6));
        }
        String delimiterText = d.path("delimiter").asText(",");
        char delimiter = delimiterText.isEmpty() ? ',' : delimiterText.charAt(0);
        // pixels are 0..255 whatever the image: scaling them to 0..1 is the usual default, not per-pixel statistics
        Normalization normalize = enumOr(Normalization.class, d.path("normalize"),
                type == DatasetSpec.Type.images ? Normalization.image : Normalization.standardize);
        Optional<ImageSpec> image = type == DatasetSpec.Type.images ? Optional.of(image(d.path("image"), normalize)) : Optional.empty();
        Optional<AugmentationSpec> augmentation = type == DatasetSpec.Type.images && d.has("augmentation")
                ? Optional.of(augmentation(d.path("augmentation"))) : Optional.empty();
        JsonNode text = d.path("textColumn");
        Optional<ColumnRef> textColumn = text.isTextual() ? Optional.of(ColumnRef.ofName(text.textValue()))
                : text.isIntegralNumber() && text.canConvertToInt() ? Optional.of(ColumnRef.ofIndex(text.intValue())) : Optional.empty();
        if (text.isTextual() && !header) {
            problems.add(tree.valueAt("dataset.textColumn"), "`dataset.textColumn` names a column, which needs "
                    + "`header: true`; or give a 0-based index");
        }
        if (textColumn.isPresent() && textColumn.get().equals(labelColumn)) {
            problems.add(tree.valueAt("dataset.textColumn"), "`dataset.textColumn` is the label column `" + labelColumn
                    + "`; name the column that holds the text");
        }
        return new DatasetSpec(type, path, files, labelColumn, header, delimiter, split, normalize, image, augmentation,
                textColumn, dataGates(d.path("gates")));
    }

    /** {@code dataset.gates}: types, ranges and unknown keys are the schema's findings; bind what it accepted. */
    private FinetuneSpec.DataGates dataGates(JsonNode g) {
        if (g.isObject() && g.size() == 0) {
            problems.add(tree.valueAt("dataset.gates"), "`dataset.gates` is empty, so it checks nothing; give a limit,"
                    + " e.g. `{ maxDuplicatesAcrossSplits: 0 }`, or remove it");
        }
        return new FinetuneSpec.DataGates(count(g.path("maxDuplicatesAcrossSplits")), count(g.path("maxDuplicates")));
    }

    private static Optional<Integer> count(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToInt() && n.intValue() >= 0 ? Optional.of(n.intValue()) : Optional.empty();
    }

    /** Keys that describe one kind of data only are mistakes with the other: say so rather than ignore them. */
    private void checkKeysOfType(JsonNode d, DatasetSpec.Type type) {
        List<String> csvOnly = List.of("labelColumn", "header", "delimiter", "textColumn");
        List<String> imagesOnly = List.of("image", "augmentation");
        for (String key : type == DatasetSpec.Type.images ? csvOnly : imagesOnly) {
            if (d.has(key)) {
                problems.add(tree.keyAt("dataset." + key), "`dataset." + key + "` applies to `type: "
                        + (type == DatasetSpec.Type.images ? "csv" : "images") + "` data only; this dataset is `type: "
                        + type + "`" + (type == DatasetSpec.Type.images
                        ? " (an image's class is the name of the folder it is in)" : ""));
            }
        }
    }

    private ImageSpec image(JsonNode i, Normalization normalize) {
        List<Double> mean = numbers(i.path("mean"));
        List<Double> std = numbers(i.path("std"));
        if (i.has("mean") != i.has("std")) {
            String given = i.has("mean") ? "mean" : "std";
            problems.add(tree.keyAt("dataset.image." + given), "`dataset.image." + given + "` needs `dataset.image."
                    + (given.equals("mean") ? "std" : "mean") + "` too: images are scaled to 0..1, then (x - mean) / std per channel");
        } else if (i.has("mean") && mean.size() != std.size()) {
            problems.add(tree.valueAt("dataset.image.std"), "`dataset.image.std` has " + std.size() + " value(s) but `mean` has "
                    + mean.size() + "; give one of each per channel");
        }
        if (i.has("mean") && normalize != Normalization.image) {
            problems.add(tree.valueAt("dataset.normalize"), "`dataset.image.mean` and `std` apply to pixels scaled to 0..1, "
                    + "which is `normalize: image`; found `normalize: " + normalize + "`: remove `normalize` or the mean and std");
        }
        Optional<Integer> channels = i.path("channels").isIntegralNumber() ? Optional.of(i.path("channels").asInt()) : Optional.empty();
        if (channels.isPresent() && i.has("mean") && mean.size() != channels.get()) {
            problems.add(tree.valueAt("dataset.image.mean"), "`dataset.image.mean` has " + mean.size()
                    + " value(s) but `dataset.image.channels` is " + channels.get() + "; give one per channel");
        }
        return new ImageSpec(i.path("height").isIntegralNumber() ? Optional.of(i.path("height").asInt()) : Optional.empty(),
                i.path("width").isIntegralNumber() ? Optional.of(i.path("width").asInt()) : Optional.empty(), channels, mean, std);
    }

    private static List<Double> numbers(JsonNode list) {
        List<Double> out = new ArrayList<>();
        for (JsonNode n : list.isArray() ? list : MissingNode.getInstance()) {
            if (n.isNumber()) {
                out.add(n.asDouble());
            }
        }
        return List.copyOf(out);
    }

    private static AugmentationSpec augmentation(JsonNode a) {
        return new AugmentationSpec(enumOr(AugmentationSpec.Flip.class, a.path("flip"), AugmentationSpec.Flip.none),
                a.path("shift").asInt(0), a.path("rotate").asDouble(0), a.path("brightness").asDouble(0));
    }

    private FreezeSpec freeze(JsonNode f) {
        return freeze(f, "freeze");
    }

    /** A {@code freeze} value at {@code path}: the top-level one or a stage's. */
    private FreezeSpec freeze(JsonNode f, String path) {
        if (f.isTextual() && f.textValue().equals("all")) {
            return new FreezeSpec(List.of(), Optional.empty(), true);
        }
        if (!f.isObject()) {
            return new FreezeSpec(List.of(), Optional.empty());
        }
        boolean all = f.path("all").asBoolean(false);
        if (all && (f.has("layers") || f.has("upTo"))) {
            problems.add(tree.keyAt(path + ".all"), "`" + path + ".all` freezes every layer the head keeps; leave out"
                    + " `layers` and `upTo`, or `all`");
        }
        List<LayerRef> layers = new ArrayList<>();
        for (int i = 0; f.path("layers").isArray() && i < f.path("layers").size(); i++) {
            layers.add(layer(f.path("layers").get(i), LocatedTree.item(path + ".layers", i)));
        }
        Optional<LayerRef> upTo = f.has("upTo") ? Optional.of(layer(f.get("upTo"), path + ".upTo")) : Optional.empty();
        return new FreezeSpec(List.copyOf(layers), upTo, all);
    }

    LayerRef layer(JsonNode n, String path) {
        Location at = tree.valueAt(path);
        return n.isTextual() ? new LayerRef(Optional.empty(), Optional.of(n.textValue()), at)
                : new LayerRef(Optional.of(n.asInt()), Optional.empty(), at);
    }

    private HeadSpec head(JsonNode h) {
        if (h.has("replaceFrom") && h.has("removeLayers")) {
            problems.add(tree.keyAt("head.replaceFrom"), "`head` has both `replaceFrom` and `removeLayers`, which both say what"
                    + " the head removes; keep `replaceFrom` (a layer: it and every layer above it are removed) or"
                    + " `removeLayers` (a count from the top)");
        }
        JsonNode from = h.path("replaceFrom");
        Optional<LayerRef> replaceFrom = from.isTextual() || from.isIntegralNumber()
                ? Optional.of(layer(from, "head.replaceFrom")) : Optional.empty();
        return new HeadSpec(h.path("removeLayers").asInt(1), replaceFrom, hiddenLayers(h.path("hidden")));
    }

    /** A {@code head.hidden} list: each entry a size, or {units, activation}. */
    List<DenseLayerSpec> hiddenLayers(JsonNode list) {
        List<DenseLayerSpec> hidden = new ArrayList<>();
        for (JsonNode layer : list.isArray() ? list : MissingNode.getInstance()) {
            hidden.add(layer.isObject()
                    ? new DenseLayerSpec(layer.path("units").asInt(), enumOr(Activation.class, layer.path("activation"), Activation.relu))
                    : new DenseLayerSpec(layer.asInt(), Activation.relu));
        }
        return List.copyOf(hidden);
    }

    private TrainingSpec training(JsonNode t) {
        List<FinetuneSpec.StageSpec> stages = new ArrayList<>();
        JsonNode stageList = t.path("stages");
        for (int i = 0; stageList.isArray() && i < stageList.size(); i++) {
            JsonNode stage = stageList.get(i);
            String at = LocatedTree.item("training.stages", i);
            if (!stage.isObject()) {
                continue; // the schema reports it
            }
            stages.add(new FinetuneSpec.StageSpec(
                    stage.has("freeze") ? Optional.of(freeze(stage.get("freeze"), at + ".freeze")) : Optional.empty(),
                    stage.path("epochs").canConvertToInt() ? Optional.of(stage.path("epochs").intValue()) : Optional.empty(),
                    stage.path("learningRate").isNumber() ? Optional.of(stage.path("learningRate").doubleValue()) : Optional.empty(),
                    stage.path("patience").canConvertToInt() ? Optional.of(stage.path("patience").intValue()) : Optional.empty(),
                    stage.has("layerLearningRates")
                            ? Optional.of(layerRates(stage.path("layerLearningRates"), at + ".layerLearningRates"))
                            : Optional.empty(),
                    stage.path("layerLearningRateDecay").isNumber()
                            ? Optional.of(stage.path("layerLearningRateDecay").doubleValue()) : Optional.empty(),
                    tree.valueAt(at)));
        }
        return training(t, layerRates(t.path("layerLearningRates"), "training.layerLearningRates"), stages);
    }

    private List<FinetuneSpec.LayerLearningRate> layerRates(JsonNode list, String path) {
        List<FinetuneSpec.LayerLearningRate> rates = new ArrayList<>();
        for (int i = 0; list.isArray() && i < list.size(); i++) {
            JsonNode entry = list.get(i);
            String at = LocatedTree.item(path, i);
            if (!entry.path("layers").isValueNode() || !entry.path("learningRate").isNumber()) {
                continue; // the schema reports it
            }
            LayerRef layers = layer(entry.path("layers"), at + ".layers");
            String text = entry.path("layers").asText();
            if (entry.path("layers").isTextual() && text.contains("..") && text.split("\\.\\.", -1).length != 2
                    || text.startsWith("..") || text.endsWith("..")) {
                problems.add(layers.location(), "`" + at + ".layers` is `" + text + "`; a range reads FROM..TO with a layer"
                        + " name or index at both ends, e.g. `conv1..pool2` or `0..3`");
            }
            rates.add(new FinetuneSpec.LayerLearningRate(layers, entry.path("learningRate").asDouble()));
        }
        return List.copyOf(rates);
    }

    private TrainingSpec training(JsonNode t, List<FinetuneSpec.LayerLearningRate> rates, List<FinetuneSpec.StageSpec> stages) {
        return new TrainingSpec(enumOr(Updater.class, t.path("updater"), Updater.adam),
                t.path("learningRate").asDouble(1e-3), t.path("batchSize").asInt(32), t.path("epochs").asInt(10),
                t.path("l2").asDouble(0), t.path("dropout").asDouble(0), t.path("seed").asLong(42), rates,
                t.path("l2sp").asDouble(0), stages, t.path("layerLearningRateDecay").isNumber()
                ? t.path("layerLearningRateDecay").doubleValue() : TrainingSpec.NO_DECAY);
    }

    private static EarlyStoppingSpec earlyStopping(JsonNode e, int epochs) {
        return new EarlyStoppingSpec(enumOr(Metric.class, e.path("metric"), Metric.loss), e.path("patience").asInt(5),
                e.path("maxEpochs").asInt(epochs));
    }

    private EvaluationSpec evaluation(JsonNode e) {
        List<Gate> gates = new ArrayList<>();
        for (int i = 0; e.path("gates").isArray() && i < e.path("gates").size(); i++) {
            if (!e.path("gates").get(i).isTextual()) {
                continue;
            }
            gate(e.path("gates").get(i).asText(), tree.valueAt(LocatedTree.item("evaluation.gates", i))).ifPresent(gates::add);
        }
        Map<Metric, Double> regression = new EnumMap<>(Metric.class);
        // unknown metric names and non-numbers are the schema's findings; bind only what it accepted
        e.path("regression").fields().forEachRemaining(m -> {
            if (Metric.names().contains(m.getKey()) && m.getValue().isNumber()) {
                regression.put(Metric.valueOf(m.getKey()), m.getValue().asDouble());
            }
        });
        Optional<FinetuneSpec.RetentionSpec> retention = e.has("retention") ? Optional.of(retention(e.path("retention")))
                : Optional.empty();
        return new EvaluationSpec(gates, e.path("compareWithScratch").asBoolean(false), regression, retention);
    }

    private FinetuneSpec.RetentionSpec retention(JsonNode r) {
        JsonNode d = r.path("data");
        JsonNode label = d.path("labelColumn");
        boolean header = d.path("header").asBoolean(false);
        if (label.isTextual() && !header) {
            problems.add(tree.valueAt("evaluation.retention.data.labelColumn"), "`evaluation.retention.data.labelColumn` names"
                    + " a column, which needs `header: true`; or give a 0-based index");
        }
        String delimiterText = d.path("delimiter").asText(",");
        FinetuneSpec.RetentionData data = new FinetuneSpec.RetentionData(d.path("path").asText(""),
                label.isTextual() ? ColumnRef.ofName(label.textValue()) : ColumnRef.ofIndex(label.asInt(-1)), header,
                delimiterText.isEmpty() ? ',' : delimiterText.charAt(0),
                enumOr(Normalization.class, d.path("normalize"), Normalization.standardize));
        Map<Metric, Double> maxDrop = new EnumMap<>(Metric.class);
        r.path("maxDrop").fields().forEachRemaining(m -> {
            if (Metric.names().contains(m.getKey()) && m.getValue().isNumber()) {
                maxDrop.put(Metric.valueOf(m.getKey()), m.getValue().asDouble());
            }
        });
        if (r.has("maxDrop") && maxDrop.isEmpty() && r.path("maxDrop").isObject() && r.path("maxDrop").size() == 0) {
            problems.add(tree.valueAt("evaluation.retention.maxDrop"), "`evaluation.retention.maxDrop` is empty, so it"
                    + " checks nothing; give the largest allowed drop per metric, e.g. `{ accuracy: 0.02 }`, or remove it");
        }
        return new FinetuneSpec.RetentionSpec(data, maxDrop);
    }

    /** Data-check counts by the name users write them (as in dataset.json), and the dataset gate that limits each. */
    private static final Map<String, String> DATA_COUNTS = Map.of("duplicatesAcrossSplits", "maxDuplicatesAcrossSplits",
            "duplicates", "maxDuplicates", "leakage", "maxDuplicatesAcrossSplits");

    private Optional<Gate> gate(String text, Location at) {
        Matcher g = GATE.matcher(text);
        if (!g.matches()) {
            problems.add(at, "gate `" + text + "` must read METRIC OP NUMBER, e.g. `accuracy >= 0.9`, with OP one of >=, >, <=, <");
            return Optional.empty();
        }
        Optional<Metric> metric = Metric.names().contains(g.group(1)) ? Optional.of(Metric.valueOf(g.group(1))) : Optional.empty();
        if (metric.isEmpty() && DATA_COUNTS.containsKey(g.group(1))) {
            // a count of the data check, not a test metric: it has its own limits, checked before training
            problems.add(at, "gate `" + text.strip() + "`: `" + g.group(1) + "` is counted by the data check, not on the"
                    + " test split; limit it with `dataset.gates." + DATA_COUNTS.get(g.group(1)) + "`");
            return Optional.empty();
        }
        if (metric.isEmpty()) {
            String hint = Suggestions.closest(g.group(1), Metric.names()).map(x -> "; did you mean `" + x + "`?").orElse("");
            problems.add(at, "gate metric `" + g.group(1) + "` is not computed; expected one of: "
                    + String.join(", ", Metric.names()) + hint);
            return Optional.empty();
        }
        double threshold = Double.parseDouble(g.group(3));
        if (metric.get() != Metric.loss && (threshold < 0 || threshold > 1)) {
            // a gate that can never fail (or never pass) is a mistake, most often a percentage
            String hint = threshold > 1 && threshold <= 100
                    ? "; for " + g.group(3) + "% write " + java.math.BigDecimal.valueOf(threshold / 100).stripTrailingZeros().toPlainString() : "";
            problems.add(at, "gate `" + text.strip() + "`: " + metric.get() + " lies between 0 and 1, so the threshold "
                    + g.group(3) + " decides nothing" + hint);
            return Optional.empty();
        }
        return Optional.of(new Gate(metric.get(), Gate.Comparison.ofSymbol(g.group(2)), threshold, at));
    }

    /** The enum constant named by the node; the default when absent or invalid (the schema reports invalid ones). */
    static <E extends Enum<E>> E enumOr(Class<E> type, JsonNode node, E defaultValue) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(node.asText())) {
                return e;
            }
        }
        return defaultValue;
    }

    private static Optional<String> text(JsonNode n, String field) {
        return n.has(field) && n.get(field).isTextual() ? Optional.of(n.get(field).textValue()) : Optional.empty();
    }
}
