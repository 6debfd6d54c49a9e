package dev.finetune.spec;

import dev.finetune.spec.FinetuneSpec.DenseLayerSpec;
import dev.finetune.spec.FinetuneSpec.LayerRef;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The resolved spec, every default filled in, keys in a fixed order: what actually shaped a model. Two specs
 * that differ only in formatting, comments or key order give the same text.
 */
public final class CanonicalSpec {

    private CanonicalSpec() {
    }

    public static String toYaml(FinetuneSpec spec) {
        return dump(toMap(spec));
    }

    /**
     * The canonical form of what decides the trained model and its metrics: everything but the checks made on the
     * metrics afterwards ({@code evaluation.gates}, {@code evaluation.regression}) or on the data
     * ({@code dataset.gates}) and how many sweep trials run at
     * once, so tightening a gate or changing parallelism does not retrain.
     */
    @SuppressWarnings("unchecked")
    public static String trainingInputsYaml(FinetuneSpec spec) {
        Map<String, Object> map = toMap(spec);
        Map<String, Object> evaluation = new LinkedHashMap<>((Map<String, Object>) map.get("evaluation"));
        evaluation.remove("gates");
        evaluation.remove("regression");
        // the retention check scores the trained model; it does not shape it
        evaluation.remove("retention");
        map.put("evaluation", evaluation);
        // likewise the limits on the data check's counts: they refuse data, they do not change what trains on it
        Map<String, Object> dataset = new LinkedHashMap<>((Map<String, Object>) map.get("dataset"));
        dataset.remove("gates");
        map.put("dataset", dataset);
        if (map.get("sweep") instanceof Map<?, ?> sweep) {
            // trials give the same results however many run at once (a tested property of the sweep runner)
            Map<String, Object> withoutParallelism = new LinkedHashMap<>((Map<String, Object>) sweep);
            withoutParallelism.remove("parallelism");
            map.put("sweep", withoutParallelism);
        }
        return dump(map);
    }

    private static String dump(Map<String, Object> map) {
        DumpSettings settings = DumpSettings.builder().setDefaultFlowStyle(FlowStyle.BLOCK).setIndent(2).build();
        return new Dump(settings).dumpToString(map);
    }

    public static Map<String, Object> toMap(FinetuneSpec spec) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, Object> base = new LinkedHashMap<>();
        spec.base().path().ifPresent(p -> base.put("path", p));
        spec.base().artifact().ifPresent(a -> base.put("artifact", a));
        spec.base().sha256().ifPresent(h -> base.put("sha256", h));
        spec.base().format().ifPresent(f -> base.put("format", f.name()));
        // the keys below only when given, so resolved specs of bases without them read as before they existed
        spec.base().extension().ifPresent(e -> base.put("extension", e));
        spec.base().entry().ifPresent(e -> base.put("entry", e));
        spec.base().tokenizer().ifPresent(t -> base.put("tokenizer", t));
        spec.base().output().ifPresent(o -> base.put("output", o));
        spec.base().pooling().ifPresent(p -> base.put("pooling", p.name()));
        spec.base().maxSequenceLength().ifPresent(m -> base.put("maxSequenceLength", m));
        root.put("base", base);

        var d = spec.dataset();
        Map<String, Object> dataset = new LinkedHashMap<>();
        d.path().ifPresent(p -> dataset.put("path", p));
        d.files().ifPresent(f -> dataset.put("files", ordered("train", f.train(), "validation", f.validation(), "test", f.test())));
        if (d.type() == FinetuneSpec.DatasetSpec.Type.csv) {
            // CSV's own keys; an image's class is its folder's name
            dataset.put("labelColumn", d.labelColumn().index().<Object>map(i -> i).orElseGet(() -> d.labelColumn().name().orElseThrow()));
            dataset.put("header", d.header());
            dataset.put("delimiter", String.valueOf(d.delimiter()));
        }
        if (d.path().isPresent()) {
            var s = d.split();
            Map<String, Object> split = ordered("train", s.train(), "validation", s.validation(), "test", s.test());
            split.put("seed", s.seed());
            split.put("stratify", s.stratify());
            dataset.put("split", split);
        }
        dataset.put("normalize", d.normalize().name());
        // last rather than first: resolved specs written before the key existed differ from today's by one line
        dataset.put("type", d.type().name());
        d.image().ifPresent(i -> {
            Map<String, Object> image = new LinkedHashMap<>();
            i.height().ifPresent(h -> image.put("height", h));
            i.width().ifPresent(w -> image.put("width", w));
            i.channels().ifPresent(c -> image.put("channels", c));
            if (!i.mean().isEmpty()) {
                image.put("mean", i.mean());
                image.put("std", i.std());
            }
            dataset.put("image", image);
        });
        d.augmentation().ifPresent(a -> {
            Map<String, Object> augmentation = ordered("flip", a.flip().name(), "shift", a.shift(), "rotate", a.rotate());
            augmentation.put("brightness", a.brightness());
            dataset.put("augmentation", augmentation);
        });
        d.textColumn().ifPresent(t -> dataset.put("textColumn", t.index().<Object>map(i -> i).orElseGet(() -> t.name().orElseThrow())));
        if (!d.gates().isEmpty()) {
            Map<String, Object> gates = new LinkedHashMap<>();
            d.gates().maxDuplicatesAcrossSplits().ifPresent(n -> gates.put("maxDuplicatesAcrossSplits", n));
            d.gates().maxDuplicates().ifPresent(n -> gates.put("maxDuplicates", n));
            dataset.put("gates", gates);
        }
        root.put("dataset", dataset);

        root.put("freeze", freeze(spec.freeze()));

        Map<String, Object> head = new LinkedHashMap<>();
        if (spec.head().replaceFrom().isPresent()) {
            LayerRef from = spec.head().replaceFrom().get();
            head.put("replaceFrom", from.index().<Object>map(i -> i).orElseGet(() -> from.name().orElseThrow()));
        } else {
            head.put("removeLayers", spec.head().removeLayers());
        }
        head.put("hidden", spec.head().hidden().stream().map(CanonicalSpec::dense).toList());
        root.put("head", head);

        var t = spec.training();
        Map<String, Object> training = ordered("updater", t.updater().name(), "learningRate", t.learningRate(), "batchSize", t.batchSize());
        training.put("epochs", t.epochs());
        training.put("l2", t.l2());
        training.put("dropout", t.dropout());
        training.put("l2sp", t.l2sp());
        training.put("seed", t.seed());
        training.put("layerLearningRates", rates(t.layerLearningRates()));
        if (t.layerLearningRateDecay() != FinetuneSpec.TrainingSpec.NO_DECAY) {
            // written only when set, so that specs without it keep their resolved form (and fingerprints)
            training.put("layerLearningRateDecay", t.layerLearningRateDecay());
        }
        training.put("stages", t.stages().stream().map(CanonicalSpec::stage).toList());
        root.put("training", training);

        spec.earlyStopping().ifPresent(e -> root.put("earlyStopping",
                ordered("metric", e.metric().name(), "patience", e.patience(), "maxEpochs", e.maxEpochs())));

        Map<String, Object> evaluation = new LinkedHashMap<>();
        evaluation.put("gates", spec.evaluation().gates().stream().map(Gate::expression).toList());
        evaluation.put("compareWithScratch", spec.evaluation().compareWithScratch());
        Map<String, Object> regression = new LinkedHashMap<>();
        spec.evaluation().regression().forEach((metric, maxDrop) -> regression.put(metric.name(), maxDrop));
        evaluation.put("regression", regression);
        spec.evaluation().retention().ifPresent(r -> evaluation.put("retention", retention(r)));
        root.put("evaluation", evaluation);
        spec.sweep().ifPresent(sweep -> root.put("sweep", sweep(sweep)));
        // allowPathsOutsideProject is the build's setting (POM or command line), not the spec's: not part of it
        return root;
    }

    private static Map<String, Object> freeze(FinetuneSpec.FreezeSpec spec) {
        Map<String, Object> freeze = new LinkedHashMap<>();
        if (spec.all()) {
            // `all` stands alone: beside `layers` (even an empty list) the binder refuses it, so it would not parse back
            freeze.put("all", true);
            return freeze;
        }
        freeze.put("layers", spec.layers().stream().map(CanonicalSpec::layer).toList());
        spec.upTo().ifPresent(u -> freeze.put("upTo", layer(u)));
        if (spec.all()) {
            freeze.put("all", true);
        }
        return freeze;
    }

    private static List<Map<String, Object>> rates(List<FinetuneSpec.LayerLearningRate> rates) {
        return rates.stream().map(r -> ordered("layers", layer(r.layers()), "learningRate", r.learningRate(), null, null)).toList();
    }

    /** A stage with the keys it sets: the others are the top-level values, which may change on their own. */
    private static Map<String, Object> stage(FinetuneSpec.StageSpec stage) {
        Map<String, Object> out = new LinkedHashMap<>();
        stage.freeze().ifPresent(f -> out.put("freeze", freeze(f)));
        stage.epochs().ifPresent(e -> out.put("epochs", e));
        stage.learningRate().ifPresent(r -> out.put("learningRate", r));
        stage.patience().ifPresent(p -> out.put("patience", p));
        stage.layerLearningRates().ifPresent(r -> out.put("layerLearningRates", rates(r)));
        stage.layerLearningRateDecay().ifPresent(d -> out.put("layerLearningRateDecay", d));
        return out;
    }

    private static Map<String, Object> retention(FinetuneSpec.RetentionSpec r) {
        var d = r.data();
        Map<String, Object> data = ordered("path", d.path(), "labelColumn", d.labelColumn().index().isPresent()
                ? (Object) d.labelColumn().index().get() : d.labelColumn().name().orElseThrow(), "header", d.header());
        data.put("delimiter", String.valueOf(d.delimiter()));
        data.put("normalize", d.normalize().name());
        Map<String, Object> maxDrop = new LinkedHashMap<>();
        r.maxDrop().forEach((metric, drop) -> maxDrop.put(metric.name(), drop));
        return ordered("data", data, "maxDrop", maxDrop, null, null);
    }

    private static Map<String, Object> sweep(SweepSpec s) {
        Map<String, Object> sweep = ordered("strategy", s.strategy().name(), "maxTrials", s.maxTrials(), "seed", s.seed());
        sweep.put("metric", s.metric().name());
        sweep.put("goal", s.goal().name());
        sweep.put("parallelism", s.parallelism());
        var e = s.earlyTermination();
        sweep.put("earlyTermination", ordered("policy", e.policy().name(), "gracePeriod", e.gracePeriod(),
                "reductionFactor", e.reductionFactor()));
        Map<String, Object> parameters = new LinkedHashMap<>();
        s.parameters().forEach((path, p) -> {
            SweepTarget target = SweepTarget.ofPath(path).orElseThrow();
            Map<String, Object> parameter = new LinkedHashMap<>();
            // `scale` belongs to `range` only: the binder refuses it beside `values`, so writing it there would
            // produce a canonical form that does not parse back.
            if (p.range().isPresent()) {
                parameter.put("range", p.range().get());
                parameter.put("scale", p.scale().name());
            } else {
                parameter.put("values", p.values().stream().map(target::display).toList());
            }
            parameters.put(path, parameter);
        });
        sweep.put("parameters", parameters);
        return sweep;
    }

    private static Object layer(LayerRef ref) {
        return ref.index().<Object>map(i -> i).orElseGet(() -> ref.name().orElseThrow());
    }

    private static Map<String, Object> dense(DenseLayerSpec d) {
        return ordered("units", d.units(), "activation", d.activation().name(), null, null);
    }

    private static Map<String, Object> ordered(String k1, Object v1, String k2, Object v2, String k3, Object v3) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        if (k3 != null) {
            m.put(k3, v3);
        }
        return m;
    }

}
