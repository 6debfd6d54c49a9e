package dev.finetune.spec;

import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;
import dev.finetune.spec.FinetuneSpec.EarlyStoppingSpec;
import dev.finetune.spec.FinetuneSpec.FreezeSpec;
import dev.finetune.spec.FinetuneSpec.HeadSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import dev.finetune.spec.FinetuneSpec.StageSpec;
import dev.finetune.spec.FinetuneSpec.TrainingSpec;
import dev.finetune.spec.FinetuneSpec.Updater;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec values a sweep may vary, named by their dotted path in the spec. Each knows the Java type of its values
 * and how to make the spec of a trial that uses one.
 */
public enum SweepTarget {
    LEARNING_RATE("training.learningRate", Kind.real),
    BATCH_SIZE("training.batchSize", Kind.integer),
    EPOCHS("training.epochs", Kind.integer),
    L2("training.l2", Kind.real),
    L2SP("training.l2sp", Kind.real),
    DROPOUT("training.dropout", Kind.real),
    UPDATER("training.updater", Kind.categorical),
    HEAD_HIDDEN("head.hidden", Kind.categorical),
    FREEZE_UP_TO("freeze.upTo", Kind.categorical),
    /** whole alternatives of {@code training.layerLearningRates}: each value a list of per-layer rates */
    LAYER_LEARNING_RATES("training.layerLearningRates", Kind.categorical),
    LAYER_LEARNING_RATE_DECAY("training.layerLearningRateDecay", Kind.real),
    // a stage's own values, addressed as the spec's located paths are: training.stages[i].KEY, i from 0
    STAGE_FREEZE_UP_TO("training.stages[].freeze.upTo", Kind.categorical),
    STAGE_EPOCHS("training.stages[].epochs", Kind.integer),
    STAGE_LEARNING_RATE("training.stages[].learningRate", Kind.real),
    STAGE_PATIENCE("training.stages[].patience", Kind.integer),
    STAGE_LAYER_LEARNING_RATES("training.stages[].layerLearningRates", Kind.categorical),
    STAGE_LAYER_LEARNING_RATE_DECAY("training.stages[].layerLearningRateDecay", Kind.real);

    /** real and integer values may be given as a range; categorical ones only as a list of values. */
    public enum Kind { real, integer, categorical }

    /** How a stage's key begins in {@link #path()}: the stage's index goes between the brackets. */
    private static final String STAGE = "training.stages[].";
    private static final java.util.regex.Pattern STAGE_PATH = java.util.regex.Pattern.compile("training\\.stages\\[(0|[1-9][0-9]{0,3})\\]\\.(.+)");

    private final String path;
    private final Kind kind;

    SweepTarget(String path, Kind kind) {
        this.path = path;
        this.kind = kind;
    }

    /** The dotted path; a stage's key reads {@code training.stages[].KEY} (its index left out). */
    public String path() {
        return path;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether this is a key of one stage ({@code training.stages[i].KEY}). */
    public boolean stage() {
        return path.startsWith(STAGE);
    }

    /** The target at {@code path}: a top-level key, or a stage's {@code training.stages[i].KEY}. */
    public static Optional<SweepTarget> ofPath(String path) {
        java.util.regex.Matcher m = STAGE_PATH.matcher(path);
        String template = m.matches() ? STAGE + m.group(2) : path;
        return Arrays.stream(values()).filter(t -> t.path.equals(template)).findFirst();
    }

    /** The stage a stage key's {@code path} names (0-based); empty for a top-level key. */
    public static Optional<Integer> stageIndex(String path) {
        java.util.regex.Matcher m = STAGE_PATH.matcher(path);
        return m.matches() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }

    /** The top-level paths; stage keys are {@link #stagePaths()}. */
    public static List<String> paths() {
        return Arrays.stream(values()).filter(t -> !t.stage()).map(SweepTarget::path).toList();
    }

    /** A stage's keys a sweep may vary, as written after {@code training.stages[i].}. */
    public static List<String> stageKeys() {
        return Arrays.stream(values()).filter(SweepTarget::stage).map(t -> t.path.substring(STAGE.length())).toList();
    }

    /** The spec with the key at {@code path} (top-level or a stage's) set to {@code value}. */
    public static FinetuneSpec applyAt(String path, FinetuneSpec spec, Object value) {
        SweepTarget target = ofPath(path).orElseThrow(() -> new IllegalArgumentException("no sweep parameter " + path));
        return target.stage() ? target.applyToStage(spec, stageIndex(path).orElseThrow(), value) : target.apply(spec, value);
    }

    /**
     * The spec with this key set to {@code value} (a Double, Integer, {@link Updater}, {@code List<DenseLayerSpec>},
     * {@link LayerRef} or {@code List<LayerLearningRate>}, as the binder made it).
     */
    @SuppressWarnings("unchecked")
    public FinetuneSpec apply(FinetuneSpec spec, Object value) {
        TrainingSpec t = spec.training();
        return switch (this) {
            case LEARNING_RATE -> withTraining(spec, new TrainingSpec(t.updater(), ((Number) value).doubleValue(), t.batchSize(),
                    t.epochs(), t.l2(), t.dropout(), t.seed()));
            case BATCH_SIZE -> withTraining(spec, new TrainingSpec(t.updater(), t.learningRate(), ((Number) value).intValue(),
                    t.epochs(), t.l2(), t.dropout(), t.seed()));
            case EPOCHS -> withEpochs(spec, ((Number) value).intValue());
            case L2 -> withTraining(spec, new TrainingSpec(t.updater(), t.learningRate(), t.batchSize(), t.epochs(),
                    ((Number) value).doubleValue(), t.dropout(), t.seed()));
            case L2SP -> replaceTraining(spec, spec.training().withL2sp(((Number) value).doubleValue()));
            case DROPOUT -> withTraining(spec, new TrainingSpec(t.updater(), t.learningRate(), t.batchSize(), t.epochs(),
                    t.l2(), ((Number) value).doubleValue(), t.seed()));
            case UPDATER -> withTraining(spec, new TrainingSpec((Updater) value, t.learningRate(), t.batchSize(), t.epochs(),
                    t.l2(), t.dropout(), t.seed()));
            case LAYER_LEARNING_RATES -> replaceTraining(spec,
                    t.withLayerLearningRates(List.copyOf((List<FinetuneSpec.LayerLearningRate>) value)));
            case LAYER_LEARNING_RATE_DECAY -> replaceTraining(spec, t.withLayerLearningRateDecay(((Number) value).doubleValue()));
            case HEAD_HIDDEN -> new FinetuneSpec(spec.base(), spec.dataset(), spec.freeze(),
                    spec.head().withHidden((List<DenseLayerSpec>) value), spec.training(),
                    spec.earlyStopping(), spec.evaluation(), spec.sweep(), spec.allowPathsOutsideProject(), spec.locations());
            case FREEZE_UP_TO -> new FinetuneSpec(spec.base(), spec.dataset(),
                    new FreezeSpec(spec.freeze().layers(), Optional.of((LayerRef) value)), spec.head(), spec.training(),
                    spec.earlyStopping(), spec.evaluation(), spec.sweep(), spec.allowPathsOutsideProject(), spec.locations());
            default -> throw new IllegalArgumentException(path + " is a stage's key: give the stage (applyAt)");
        };
    }

    /** The spec with this stage key of stage {@code index} set to {@code value}; the other stages as they were. */
    @SuppressWarnings("unchecked")
    private FinetuneSpec applyToStage(FinetuneSpec spec, int index, Object value) {
        List<StageSpec> stages = new ArrayList<>(spec.training().stages());
        if (index >= stages.size()) {
            throw new IllegalArgumentException("the spec has " + stages.size() + " stages, no stage " + index);
        }
        StageSpec s = stages.get(index);
        StageSpec changed = switch (this) {
            case STAGE_FREEZE_UP_TO -> s.withFreeze(new FreezeSpec(s.freeze().map(FreezeSpec::layers).orElse(List.of()),
                    Optional.of((LayerRef) value)));
            case STAGE_EPOCHS -> s.withEpochs(((Number) value).intValue());
            case STAGE_LEARNING_RATE -> s.withLearningRate(((Number) value).doubleValue());
            case STAGE_PATIENCE -> s.withPatience(((Number) value).intValue());
            case STAGE_LAYER_LEARNING_RATES -> s.withLayerLearningRates((List<FinetuneSpec.LayerLearningRate>) value);
            case STAGE_LAYER_LEARNING_RATE_DECAY -> s.withLayerLearningRateDecay(((Number) value).doubleValue());
            default -> throw new IllegalArgumentException(path + " is not a stage's key");
        };
        stages.set(index, changed);
        return replaceTraining(spec, spec.training().withStages(stages));
    }

    /** How a value reads in reports: numbers and names as they are, hidden layers as a list of sizes or mappings. */
    public Object display(Object value) {
        if (value instanceof Updater u) {
            return u.name();
        }
        if (value instanceof LayerRef ref) {
            return ref.index().<Object>map(i -> i).orElseGet(() -> ref.name().orElseThrow());
        }
        if (this == LAYER_LEARNING_RATES || this == STAGE_LAYER_LEARNING_RATES) {
            List<Object> out = new ArrayList<>();
            for (Object o : (List<?>) value) {
                FinetuneSpec.LayerLearningRate r = (FinetuneSpec.LayerLearningRate) o;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("layers", display(r.layers()));
                m.put("learningRate", r.learningRate());
                out.add(m);
            }
            return List.copyOf(out);
        }
        if (value instanceof List<?> hidden) {
            List<Object> out = new ArrayList<>();
            for (Object o : hidden) {
                DenseLayerSpec d = (DenseLayerSpec) o;
                if (d.activation() == FinetuneSpec.Activation.relu) {
                    out.add(d.units());
                } else {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("units", d.units());
                    m.put("activation", d.activation().name());
                    out.add(m);
                }
            }
            return List.copyOf(out);
        }
        return value;
    }

    /** The spec with another training seed, as each trial gets its own. */
    public static FinetuneSpec withSeed(FinetuneSpec spec, long seed) {
        TrainingSpec t = spec.training();
        return withTraining(spec, new TrainingSpec(t.updater(), t.learningRate(), t.batchSize(), t.epochs(), t.l2(), t.dropout(), seed));
    }

    /** The spec of one trial: no sweep of its own. */
    public static FinetuneSpec withoutSweep(FinetuneSpec spec) {
        return new FinetuneSpec(spec.base(), spec.dataset(), spec.freeze(), spec.head(), spec.training(), spec.earlyStopping(),
                spec.evaluation(), Optional.empty(), spec.allowPathsOutsideProject(), spec.locations());
    }

    private static FinetuneSpec withTraining(FinetuneSpec spec, TrainingSpec changed) {
        // the per-layer rates, L2-SP and stages are not in the short constructors: every trial keeps the spec's
        return replaceTraining(spec, new TrainingSpec(changed.updater(), changed.learningRate(), changed.batchSize(),
                changed.epochs(), changed.l2(), changed.dropout(), changed.seed(), spec.training().layerLearningRates(),
                spec.training().l2sp(), spec.training().stages(), spec.training().layerLearningRateDecay()));
    }

    /** The spec with these training settings, all of them. */
    private static FinetuneSpec replaceTraining(FinetuneSpec spec, TrainingSpec training) {
        return new FinetuneSpec(spec.base(), spec.dataset(), spec.freeze(), spec.head(), training, spec.earlyStopping(),
                spec.evaluation(), spec.sweep(), spec.allowPathsOutsideProject(), spec.locations());
    }

    /** Early stopping's epoch limit follows training.epochs unless the spec set it. */
    private static FinetuneSpec withEpochs(FinetuneSpec spec, int epochs) {
        TrainingSpec t = spec.training();
        FinetuneSpec out = withTraining(spec, new TrainingSpec(t.updater(), t.learningRate(), t.batchSize(), epochs, t.l2(),
                t.dropout(), t.seed()));
        if (spec.earlyStopping().isEmpty() || spec.locations().containsKey("earlyStopping.maxEpochs")) {
            return out;
        }
        EarlyStoppingSpec e = spec.earlyStopping().get();
        return new FinetuneSpec(out.base(), out.dataset(), out.freeze(), out.head(), out.training(),
                Optional.of(new EarlyStoppingSpec(e.metric(), e.patience(), epochs)), out.evaluation(), out.sweep(),
                out.allowPathsOutsideProject(), out.locations());
    }
}
