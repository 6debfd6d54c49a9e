package dev.finetune.engine.inspect;

import dev.finetune.engine.model.LayerSelection;
import dev.finetune.engine.model.BaseInspector;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SweepTarget;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Checks a spec against the real inputs before any training: the base model's configuration (not its weights), the
 * frozen layers and the head against it, the dataset by its source's own checks ({@link DatasetSource#inspect}), and
 * the dataset's feature count against the base's input size. Needs no ND4J, so
 * {@code finetune:validate} fails a bad spec in a second.
 */
public final class InputChecks {

    private final FinetuneSpec spec;
    private final Function<String, Path> resolver;
    private final Path baseModel;
    private final Optional<Path> tokenizer;
    private final Optional<Path> dataCache;
    private final BaseInspector inspector;

    /**
     * @param resolver  resolves the spec's data paths
     * @param baseModel the base model zip (resolved by the caller: the spec may name it by Maven coordinates)
     */
    public InputChecks(FinetuneSpec spec, Function<String, Path> resolver, Path baseModel) {
        this(spec, resolver, baseModel, Optional.empty());
    }

    /** @param tokenizer an ONNX text encoder's tokenizer.json as the build found it; empty when none was */
    public InputChecks(FinetuneSpec spec, Function<String, Path> resolver, Path baseModel, Optional<Path> tokenizer) {
        this(spec, resolver, baseModel, tokenizer, Optional.empty());
    }

    /**
     * @param dataCache where a CSV is parsed to once, streaming, for the training and evaluation JVMs to read
     *                  ({@code target/finetune/data-cache}); without one, a CSV is read whole into memory
     */
    public InputChecks(FinetuneSpec spec, Function<String, Path> resolver, Path baseModel, Optional<Path> tokenizer,
                       Optional<Path> dataCache) {
        this(spec, resolver, baseModel, tokenizer, dataCache, new BaseInspector());
    }

    /** @param inspector the build's: the base is recognised and inspected once for all its goals and checks */
    public InputChecks(FinetuneSpec spec, Function<String, Path> resolver, Path baseModel, Optional<Path> tokenizer,
                       Optional<Path> dataCache, BaseInspector inspector) {
        this.inspector = inspector;
        this.spec = spec;
        this.resolver = resolver;
        this.baseModel = baseModel;
        this.tokenizer = tokenizer;
        this.dataCache = dataCache;
    }

    /**
     * What the checks found.
     *
     * @param problems each naming the spec position or the data file and row; empty when all is well
     * @param base     the base's inspection, when it could be read
     * @param warnings what is usable but likely a mistake (e.g. the same image in two splits)
     * @param classes  the dataset's class names, when it could be read
     */
    public record Result(List<String> problems, Optional<BaseModelInfo> base, List<String> warnings,
                         Optional<List<String>> classes) {
        public Result(List<String> problems, Optional<BaseModelInfo> base, List<String> warnings) {
            this(problems, base, warnings, Optional.empty());
        }

        public Result(List<String> problems, Optional<BaseModelInfo> base) {
            this(problems, base, List.of());
        }
    }

    /** Every problem found, each naming the spec position or the data file and row; empty when all is well. */
    public List<String> problems() {
        return check().problems();
    }

    public Result check() {
        List<String> problems = new ArrayList<>();
        Optional<BaseModelInfo> base = checkBase(problems);
        base.filter(info -> !info.frozenOnly()).ifPresent(info -> checkSweptFreeze(info, problems));
        base.filter(info -> !info.frozenOnly()).ifPresent(info -> checkStages(info, problems));
        base.filter(info -> !info.frozenOnly()).ifPresent(info -> checkSweptRates(info, problems));
        base.filter(info -> !info.frozenOnly()).ifPresent(info -> checkSweptStages(info, problems));
        base.filter(BaseModelInfo::frozenOnly).filter(info -> !spec.training().stages().isEmpty()).ifPresent(info ->
                problems.add(spec.locate("training.stages") + ": `training.stages` unfreezes layers in stages, but "
                        + spec.base() + " is a frozen body (only the head trains); train one stage"));
        DatasetSource.Inspection data;
        try {
            data = DatasetSource.of(spec.dataset(), resolver, baseInput(base), dataCache).inspect(spec::locate);
        } catch (UserInputException e) {
            // the resolver refuses a path that leaves the project through a symbolic link
            data = new DatasetSource.Inspection(List.of(spec.locate("dataset") + ": " + e.getMessage()), java.util.OptionalInt.empty());
        }
        problems.addAll(data.problems());
        data.counts().ifPresent(counts -> problems.addAll(dataGates(counts)));
        if (base.isPresent() && data.featureCount().isPresent() && spec.dataset().textColumn().isEmpty()) {
            int features = data.featureCount().getAsInt();
            base.get().inputSize().filter(n -> n != features).ifPresent(n ->
                    problems.add(spec.locate("dataset") + ": " + (spec.dataset().type() == FinetuneSpec.DatasetSpec.Type.images
                            ? "the images, sized by `dataset.image`, have " + features + " values each" : "the dataset has " + features
                            + " feature columns") + " but " + spec.base() + " takes " + n + " inputs"));
        }
        // a frozen body's refusal of retention stands alone (FrozenBodyChecks)
        spec.evaluation().retention().filter(r -> base.map(info -> !info.frozenOnly()).orElse(true))
                .ifPresent(r -> checkRetention(r, base, problems));
        return new Result(List.copyOf(problems), base, data.warnings(), Optional.of(data.classes()));
    }

    /**
     * {@code dataset.gates}: each count the data check made above its limit, at the limit's key, with the count and
     * the check's own sentence (which rows, in which splits), so the build stops before training on leaked data.
     */
    private List<String> dataGates(dev.finetune.engine.data.DataCounts counts) {
        List<String> failed = new ArrayList<>();
        var gates = spec.dataset().gates();
        gates.maxDuplicatesAcrossSplits().ifPresent(max -> gate("maxDuplicatesAcrossSplits", max,
                counts.duplicatesAcrossSplits(), failed));
        gates.maxDuplicates().ifPresent(max -> gate("maxDuplicates", max, counts.duplicates(), failed));
        return failed;
    }

    private void gate(String name, int max, dev.finetune.engine.data.DataCounts.Count found, List<String> failed) {
        if (found.count() > max) {
            String key = "dataset.gates." + name;
            failed.add(spec.locate(key) + ": `" + key + "` is " + max + ", but the data check counts " + found.count()
                    + ": " + found.detail());
        }
    }

    /** The retention data: there, readable, as wide as the base's input, labelled with the base's outputs. */
    private void checkRetention(FinetuneSpec.RetentionSpec retention, Optional<BaseModelInfo> base, List<String> problems) {
        String key = "evaluation.retention.data.path";
        var d = retention.data();
        Path file;
        try {
            file = resolver.apply(d.path());
        } catch (UserInputException e) {
            problems.add(spec.locate(key) + ": " + e.getMessage());
            return;
        }
        if (!Files.isRegularFile(file)) {
            problems.add(spec.locate(key) + ": `" + key + "` names " + d.path() + ", which does not exist");
            return;
        }
        FinetuneSpec.DatasetSpec asDataset = new FinetuneSpec.DatasetSpec(FinetuneSpec.DatasetSpec.Type.csv, Optional.of(d.path()),
                Optional.empty(), d.labelColumn(), d.header(), d.delimiter(), new FinetuneSpec.SplitSpec(1, 0, 0, 0, false),
                d.normalize());
        dev.finetune.engine.data.CsvDatasetLoader.Whole whole;
        try {
            whole = new dev.finetune.engine.data.CsvDatasetLoader(resolver).loadWhole(asDataset);
        } catch (UserInputException e) {
            e.getMessage().lines().forEach(line -> problems.add(spec.locate(key) + ": " + line));
            return;
        }
        int features = whole.rows().featureCount();
        base.flatMap(BaseModelInfo::inputSize).filter(n -> n != features).ifPresent(n -> problems.add(spec.locate(key)
                + ": the retention data has " + features + " feature columns but " + spec.base() + " takes " + n + " inputs"));
        base.ifPresent(info -> {
            long outputs = info.layers().get(info.layers().size() - 1).nOut();
            if (outputs <= 0) {
                return;
            }
            List<String> classes = whole.classes();
            if (classes.stream().allMatch(c -> c.matches("[0-9]+"))) {
                classes.stream().filter(c -> Long.parseLong(c) >= outputs).findFirst().ifPresent(c -> problems.add(spec.locate(key)
                        + ": label " + c + " in " + d.path() + " is not an output of " + spec.base() + ", which has " + outputs
                        + " (0.." + (outputs - 1) + "); integer labels are the base's output index"));
            } else if (classes.size() != outputs) {
                problems.add(spec.locate(key) + ": " + d.path() + " has " + classes.size() + " labels " + classes + " but "
                        + spec.base() + " has " + outputs + " outputs; label each row with its output index (0.." + (outputs - 1) + ")");
            }
        });
    }

    /** What images are resized to by default: the base's input, in its channel order. */
    private ImageShape.BaseInput baseInput(Optional<BaseModelInfo> base) {
        return base.map(info -> new ImageShape.BaseInput(info.inputShape(), inspector.format(baseModel, spec.base()).channelsLast(baseModel)))
                .orElse(ImageShape.BaseInput.UNKNOWN);
    }

    private Optional<BaseModelInfo> checkBase(List<String> problems) {
        String key = spec.base().key();
        if (!Files.isRegularFile(baseModel)) {
            problems.add(spec.locate(key) + ": `" + key + "` names " + spec.base() + ", which does not exist");
            return Optional.empty();
        }
        BaseModelInfo info;
        try {
            info = inspector.inspect(baseModel, spec.base());
        } catch (UserInputException e) {
            problems.add(spec.locate(key) + ": " + e.getMessage());
            return Optional.empty();
        }
        if (info.frozenOnly()) {
            problems.addAll(new FrozenBodyChecks(spec, baseModel, tokenizer).problems());
            return Optional.of(info);
        }
        problems.addAll(FrozenBodyChecks.onnxKeysOnOtherBases(spec, info));
        List<String> names = info.names();
        String baseName = spec.base().toString();
        int remove;
        try {
            remove = LayerSelection.removedLayers(spec.head(), names, info.inputs(), baseName);
        } catch (UserInputException e) {
            problems.add(e.getMessage()); // located at head.replaceFrom
            return Optional.of(info);
        }
        try {
            TreeSet<Integer> frozen = LayerSelection.frozenIndices(spec.freeze(), names, baseName, remove);
            try {
                LayerSelection.requireKept(frozen, names, remove, baseName);
            } catch (UserInputException e) {
                problems.add(spec.locate(spec.freeze().isEmpty() ? "head" : "freeze") + ": " + e.getMessage());
                return Optional.of(info);
            }
            try {
                dev.finetune.engine.model.LayerRates.resolve(spec.training().layerLearningRates(), names,
                        names.size() - remove, frozen, baseName);
            } catch (UserInputException e) {
                problems.add(e.getMessage()); // located at the entry
            }
            if (spec.training().stages().isEmpty()) {
                decayActs(spec.training(), info, frozen, "training.layerLearningRateDecay").ifPresent(problems::add);
            }
        } catch (UserInputException e) {
            problems.add(e.getMessage());
            return Optional.of(info);
        }
        headInputProblem(info, remove).ifPresent(problems::add);
        return Optional.of(info);
    }

    /**
     * Whether the head can sit on what the removal leaves on top: a vector; in a graph also an image feature map (a
     * pooling layer's 1x1x1280), which the surgery flattens, or a vertex that is no layer (a Flatten), which it sizes by
     * a forward pass. A stack of layers (MultiLayerNetwork) needs a vector.
     */
    private Optional<String> headInputProblem(BaseModelInfo info, int remove) {
        List<String> names = info.names();
        BaseModelInfo.LayerInfo top = info.layers().get(names.size() - remove - 1);
        String lowest = names.get(names.size() - remove);
        List<String> below = info.inputs().getOrDefault(lowest, List.of());
        boolean onVertex = info.graph() && below.size() == 1 && !names.contains(below.get(0));
        boolean featureMap = info.graph() && top.outputShape().size() == 3 && top.outputShape().stream().allMatch(d -> d > 0);
        if (top.nOut() > 0 || onVertex || featureMap) {
            return Optional.empty();
        }
        String key = spec.head().replaceFrom().isPresent() ? "head.replaceFrom" : "head";
        return Optional.of(spec.locate(key) + ": the new head would sit on layer `" + top.name() + "` (" + top.type() + ", output "
                + top.shapeText() + "), whose output is not a plain vector" + (info.graph() ? " or an image feature map" : "")
                + "; " + (spec.head().replaceFrom().isPresent() ? "name another layer in `head.replaceFrom`"
                : "raise or lower `head.removeLayers`") + " so a dense layer"
                + (info.graph() ? ", a pooling layer or a flatten" : "") + " stays on top");
    }

    /** The layers the head removes; 0 when `head.replaceFrom` does not resolve (reported once, by the base's check). */
    private int removedOrZero(BaseModelInfo info) {
        try {
            return LayerSelection.removedLayers(spec.head(), info.names(), info.inputs(), spec.base().toString());
        } catch (UserInputException e) {
            return 0;
        }
    }

    /**
     * A decay needs a base layer with parameters that trains below the head; else it changes nothing, which is a
     * mistake worth naming ({@code freeze: all} is the binder's to report, this is the base's layers).
     */
    private Optional<String> decayActs(FinetuneSpec.TrainingSpec training, BaseModelInfo info, java.util.Collection<Integer> frozen,
                                       String key) {
        if (training.layerLearningRateDecay() == FinetuneSpec.TrainingSpec.NO_DECAY) {
            return Optional.empty();
        }
        int kept = info.names().size() - removedOrZero(info);
        List<Integer> keptIndices = java.util.stream.IntStream.range(0, Math.max(0, kept)).boxed().toList();
        // a layer whose parameters the inspection cannot count may have some
        List<Long> params = info.layers().stream().map(l -> l.params().orElse(1L)).toList();
        if (dev.finetune.engine.model.LayerRates.decayActsOn(keptIndices, params, frozen)) {
            return Optional.empty();
        }
        return Optional.of(spec.locate(key) + ": `" + key + "` lowers the rates of the base's layers below the head, but no"
                + " layer of " + spec.base() + " with parameters trains there (frozen or without parameters: "
                + dev.finetune.engine.model.LayerSelection.describe(info.names().subList(0, Math.max(0, kept)))
                + "); unfreeze some, or leave the decay out");
    }

    /**
     * Each value a sweep tries for a stage's `freeze.upTo` or `layerLearningRates`, against the base's layers like the
     * stage's own, said at the swept key.
     */
    private void checkSweptStages(BaseModelInfo info, List<String> problems) {
        if (spec.sweep().isEmpty()) {
            return;
        }
        int remove = removedOrZero(info);
        spec.sweep().get().parameters().forEach((path, parameter) -> {
            SweepTarget target = SweepTarget.ofPath(path).orElseThrow();
            if (target != SweepTarget.STAGE_FREEZE_UP_TO && target != SweepTarget.STAGE_LAYER_LEARNING_RATES) {
                return;
            }
            int index = SweepTarget.stageIndex(path).orElseThrow();
            if (index >= spec.training().stages().size()) {
                return; // the binder said so
            }
            String key = "sweep.parameters." + path;
            for (Object value : parameter.values()) {
                FinetuneSpec stage = dev.finetune.spec.Stages.of(SweepTarget.applyAt(path, spec, value)).get(index);
                try {
                    checkLayerChoice(stage, info, remove);
                } catch (UserInputException e) {
                    String message = e.getMessage().replace("`freeze`", "`" + key + "`")
                            .replace("`training.layerLearningRates`", "`" + key + "`");
                    problems.add(message.matches("(?s)^[^ ]+:\\d+:\\d+: .*") ? message : parameter.location() + ": " + message);
                }
            }
        });
    }

    /**
     * A stage's (or a swept stage's) `freeze` and `layerLearningRates` against the base's layers, as the top-level
     * ones are checked; the frozen layers' indices.
     */
    private TreeSet<Integer> checkLayerChoice(FinetuneSpec stage, BaseModelInfo info, int remove) {
        String baseName = spec.base().toString();
        TreeSet<Integer> frozen = LayerSelection.frozenIndices(stage.freeze(), info.names(), baseName, remove);
        LayerSelection.requireKept(frozen, info.names(), remove, baseName);
        dev.finetune.engine.model.LayerRates.resolve(stage.training().layerLearningRates(), info.names(),
                info.names().size() - remove, frozen, baseName);
        return frozen;
    }

    /** Each `training.layerLearningRates` alternative a sweep tries, against the base's layers and `freeze`. */
    @SuppressWarnings("unchecked")
    private void checkSweptRates(BaseModelInfo info, List<String> problems) {
        var parameter = spec.sweep().map(s -> s.parameters().get(SweepTarget.LAYER_LEARNING_RATES.path()));
        if (parameter.isEmpty() || parameter.get() == null) {
            return;
        }
        String baseName = spec.base().toString();
        int remove = removedOrZero(info);
        for (Object value : parameter.get().values()) {
            FinetuneSpec trial = SweepTarget.LAYER_LEARNING_RATES.apply(spec, value);
            try {
                TreeSet<Integer> frozen = LayerSelection.frozenIndices(trial.freeze(), info.names(), baseName, remove);
                dev.finetune.engine.model.LayerRates.resolve((List<FinetuneSpec.LayerLearningRate>) value, info.names(),
                        info.names().size() - remove, frozen, baseName);
            } catch (UserInputException e) {
                problems.add(e.getMessage().replace("`training.layerLearningRates`",
                        "`sweep.parameters.training.layerLearningRates`"));
            }
        }
    }

    /** Each stage's `freeze` and `layerLearningRates` against the base's layers, as the top-level ones. */
    private void checkStages(BaseModelInfo info, List<String> problems) {
        List<FinetuneSpec> stages = spec.training().stages().isEmpty() ? List.of() : dev.finetune.spec.Stages.of(spec);
        int remove = removedOrZero(info);
        for (int i = 0; i < stages.size(); i++) {
            FinetuneSpec stage = stages.get(i);
            String at = spec.locate("training.stages[" + i + "]").toString();
            try {
                TreeSet<Integer> frozen = checkLayerChoice(stage, info, remove);
                // a top-level decay may well have nothing to act on in a stage that trains the head alone
                if (spec.training().stages().get(i).layerLearningRateDecay().isPresent()) {
                    decayActs(stage.training(), info, frozen, "training.stages[" + i + "].layerLearningRateDecay")
                            .ifPresent(problems::add);
                }
            } catch (UserInputException e) {
                // messages about a layer reference stand where the stage names it; the others get the stage's place
                String message = e.getMessage().replace("`freeze`", "`training.stages[" + i + "].freeze`")
                        .replace("`training.layerLearningRates`", "`training.stages[" + i + "].layerLearningRates`");
                problems.add(message.matches("(?s)^[^ ]+:\\d+:\\d+: .*") ? message : at + ": stage " + (i + 1) + ": " + message);
            }
        }
    }

    /** Each `freeze.upTo` a sweep tries must name a layer of the base that the head keeps, like `freeze` itself. */
    private void checkSweptFreeze(BaseModelInfo info, List<String> problems) {
        var parameter = spec.sweep().map(s -> s.parameters().get(SweepTarget.FREEZE_UP_TO.path()));
        if (parameter.isEmpty() || parameter.get() == null) {
            return;
        }
        int remove = removedOrZero(info);
        for (Object value : parameter.get().values()) {
            FinetuneSpec.LayerRef ref = (FinetuneSpec.LayerRef) value;
            try {
                TreeSet<Integer> frozen = LayerSelection.frozenIndices(
                        new FinetuneSpec.FreezeSpec(spec.freeze().layers(), Optional.of(ref)), info.names(), spec.base().toString(),
                        remove);
                LayerSelection.requireKept(frozen, info.names(), remove, spec.base().toString());
            } catch (UserInputException e) {
                String message = e.getMessage().replace("`freeze`", "`sweep.parameters.freeze.upTo`");
                problems.add(message.startsWith(ref.location().toString()) ? message : ref.location() + ": " + message);
            }
        }
    }
}
