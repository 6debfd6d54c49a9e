package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import dev.finetune.spec.FinetuneSpec.Updater;
import dev.finetune.spec.SweepSpec.EarlyTerminationSpec;
import dev.finetune.spec.SweepSpec.Goal;
import dev.finetune.spec.SweepSpec.Policy;
import dev.finetune.spec.SweepSpec.Scale;
import dev.finetune.spec.SweepSpec.Strategy;
import dev.finetune.spec.SweepSpec.SweepParameter;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Binds the {@code sweep} section (the schema has checked types, ranges and key names) and checks what the schema
 * cannot: each parameter has either values or a range, ranges are ordered, log ranges are positive, grids take no
 * ranges and stay within {@code maxTrials}.
 */
final class SweepBinder {

    private final LocatedTree tree;
    private final Problems problems;
    private final Function<JsonNode, List<DenseLayerSpec>> hidden;
    private final BiFunction<JsonNode, String, LayerRef> layer;
    private final BiFunction<JsonNode, String, List<FinetuneSpec.LayerLearningRate>> rates;
    private final int stages;

    /** @param stages how many {@code training.stages} the spec has, which stage keys must stay within */
    SweepBinder(LocatedTree tree, Problems problems, Function<JsonNode, List<DenseLayerSpec>> hidden,
                BiFunction<JsonNode, String, LayerRef> layer,
                BiFunction<JsonNode, String, List<FinetuneSpec.LayerLearningRate>> rates, int stages) {
        this.stages = stages;
        this.tree = tree;
        this.problems = problems;
        this.rates = rates;
        this.hidden = hidden;
        this.layer = layer;
    }

    SweepSpec bind(JsonNode s) {
        Strategy strategy = SpecBinder.enumOr(Strategy.class, s.path("strategy"), Strategy.grid);
        int maxTrials = s.path("maxTrials").asInt(10);
        Metric metric = SpecBinder.enumOr(Metric.class, s.path("metric"), Metric.accuracy);
        Goal goal = SpecBinder.enumOr(Goal.class, s.path("goal"), metric.higherIsBetter() ? Goal.maximize : Goal.minimize);
        JsonNode e = s.path("earlyTermination");
        EarlyTerminationSpec termination = new EarlyTerminationSpec(SpecBinder.enumOr(Policy.class, e.path("policy"), Policy.none),
                e.path("gracePeriod").asInt(2), e.path("reductionFactor").asInt(2));

        Map<String, SweepParameter> parameters = new LinkedHashMap<>();
        JsonNode params = s.path("parameters");
        Iterator<Map.Entry<String, JsonNode>> fields = params.isObject() ? params.fields() : Collections.emptyIterator();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            Optional<SweepTarget> target = SweepTarget.ofPath(field.getKey());
            if (target.isPresent() && target.get().stage()) {
                checkStage(field.getKey());
            }
            if (target.isPresent() && field.getValue().isObject()) {
                parameters.put(field.getKey(), parameter(target.get(), field.getValue(), "sweep.parameters." + field.getKey(), strategy));
            }
        }
        if (strategy == Strategy.grid) {
            checkGridSize(parameters, maxTrials);
        }
        return new SweepSpec(strategy, maxTrials, s.path("seed").asLong(42), metric, goal, s.path("parallelism").asInt(0),
                termination, Collections.unmodifiableMap(parameters));
    }

    /** A stage's key must name a stage the spec has. */
    private void checkStage(String path) {
        int index = SweepTarget.stageIndex(path).orElseThrow();
        if (index < stages) {
            return;
        }
        String key = "`sweep.parameters." + path + "`";
        problems.add(tree.keyAt("sweep.parameters." + path), stages == 0
                ? key + " names stage " + index + ", but the spec has no `training.stages`; sweep the top-level key"
                + " (`" + path.substring(path.indexOf("].") + 2) + "`), or add the stages"
                : key + " names stage " + index + ", but `training.stages` has " + stages + (stages == 1 ? " stage" : " stages")
                + ", numbered from 0: " + (stages == 1 ? "0" : "0.." + (stages - 1)));
    }

    private SweepParameter parameter(SweepTarget target, JsonNode p, String path, Strategy strategy) {
        Location at = tree.valueAt(path);
        List<Object> values = new ArrayList<>();
        for (int i = 0; p.path("values").isArray() && i < p.path("values").size(); i++) {
            values.add(value(target, p.path("values").get(i), LocatedTree.item(path + ".values", i)));
        }
        Optional<List<Double>> range = Optional.empty();
        if (p.path("range").isArray() && p.path("range").size() == 2) {
            range = Optional.of(List.of(p.path("range").get(0).asDouble(), p.path("range").get(1).asDouble()));
        }
        Scale scale = SpecBinder.enumOr(Scale.class, p.path("scale"), Scale.linear);
        if (p.has("values") && p.has("range")) {
            problems.add(tree.keyAt(path + ".range"), "`" + path + "` has both `values` and `range`; give the values to try, "
                    + "or a range to draw from");
        } else if (!p.has("values") && !p.has("range")) {
            problems.add(at, "`" + path + "` needs `values` (a list to try)"
                    + (target.kind() == SweepTarget.Kind.categorical ? "" : " or `range` ([low, high] to draw from)"));
        }
        if (p.has("scale") && !p.has("range")) {
            problems.add(tree.keyAt(path + ".scale"), "`" + path + ".scale` applies to `range` only");
        }
        if (range.isPresent()) {
            double low = range.get().get(0);
            double high = range.get().get(1);
            if (strategy == Strategy.grid) {
                problems.add(tree.keyAt(path + ".range"), "`" + path + ".range` needs `sweep.strategy: random`; a grid tries "
                        + "listed `values`");
            }
            if (!(low < high)) {
                problems.add(tree.valueAt(path + ".range"), "`" + path + ".range` must be [low, high] with low < high, found ["
                        + Gate.format(low) + ", " + Gate.format(high) + "]");
            } else if (scale == Scale.log && low <= 0) {
                problems.add(tree.valueAt(path + ".range"), "`" + path + ".range` with `scale: log` needs a low end above 0, found "
                        + Gate.format(low) + "; use `scale: linear` or a small positive low end");
            }
        }
        return new SweepParameter(List.copyOf(values), range, scale, at);
    }

    /** A value typed as the key it overrides; the schema has checked it against that key's own schema. */
    private Object value(SweepTarget target, JsonNode v, String path) {
        return switch (target) {
            case LEARNING_RATE, L2, L2SP, DROPOUT, LAYER_LEARNING_RATE_DECAY, STAGE_LEARNING_RATE,
                    STAGE_LAYER_LEARNING_RATE_DECAY -> v.asDouble();
            case BATCH_SIZE, EPOCHS, STAGE_EPOCHS, STAGE_PATIENCE -> v.asInt();
            case UPDATER -> SpecBinder.enumOr(Updater.class, v, Updater.adam);
            case HEAD_HIDDEN -> hidden.apply(v);
            case FREEZE_UP_TO, STAGE_FREEZE_UP_TO -> layer.apply(v, path);
            case LAYER_LEARNING_RATES, STAGE_LAYER_LEARNING_RATES -> rates.apply(v, path);
        };
    }

    private void checkGridSize(Map<String, SweepParameter> parameters, int maxTrials) {
        long combinations = 1;
        List<String> factors = new ArrayList<>();
        for (SweepParameter p : parameters.values()) {
            if (p.range().isPresent()) {
                continue; // a range in a grid is reported on its own (it needs `strategy: random`)
            }
            combinations = Math.min(Long.MAX_VALUE / 1024, combinations * Math.max(1, p.values().size()));
            factors.add(String.valueOf(p.values().size()));
        }
        if (combinations > maxTrials) {
            problems.add(tree.keyAt("sweep.parameters"), "the grid has " + combinations + " combinations (" + String.join(" x ", factors)
                    + "), more than `sweep.maxTrials` " + maxTrials + "; raise `maxTrials`, trim the values, or use "
                    + "`strategy: random`");
        }
    }
}
