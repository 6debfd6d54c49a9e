package dev.finetune.spec;

import dev.finetune.spec.SweepSpec.Scale;
import dev.finetune.spec.SweepSpec.SweepParameter;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Expands a sweep into its trials. Trial i's training seed and (for random sweeps) its drawn values depend only on
 * the sweep seed and i, so a rerun, a larger {@code maxTrials} or another parallelism repeats the same trials.
 */
public final class SweepPlanner {

    private SweepPlanner() {
    }

    /**
     * One trial: the values it uses, by spec path, and the spec they make (with the trial's own training seed and no
     * sweep).
     */
    public record Trial(int index, long seed, Map<String, Object> values, FinetuneSpec spec) {

        /** The values as reports show them: numbers and names, hidden layers as lists. */
        public Map<String, Object> displayValues() {
            Map<String, Object> out = new LinkedHashMap<>();
            values.forEach((path, v) -> out.put(path, SweepTarget.ofPath(path).orElseThrow().display(v)));
            return Collections.unmodifiableMap(out);
        }
    }

    public static List<Trial> plan(FinetuneSpec spec) {
        SweepSpec sweep = spec.sweep().orElseThrow(() -> new IllegalArgumentException("the spec has no sweep"));
        List<Map<String, Object>> assignments = sweep.strategy() == SweepSpec.Strategy.grid ? grid(sweep) : random(sweep);
        List<Trial> trials = new ArrayList<>();
        for (int i = 0; i < assignments.size(); i++) {
            long seed = trialSeed(sweep.seed(), i);
            FinetuneSpec trialSpec = SweepTarget.withSeed(SweepTarget.withoutSweep(spec), seed);
            for (Map.Entry<String, Object> v : assignments.get(i).entrySet()) {
                trialSpec = SweepTarget.applyAt(v.getKey(), trialSpec, v.getValue());
            }
            trials.add(new Trial(i, seed, assignments.get(i), trialSpec));
        }
        return List.copyOf(trials);
    }

    /** SplitMix64 of the sweep seed and the trial index: well-mixed, non-negative, and the same on every machine. */
    static long trialSeed(long sweepSeed, int index) {
        long z = sweepSeed + (index + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return (z ^ (z >>> 31)) >>> 1;
    }

    /** Every combination, the last parameter varying fastest. */
    private static List<Map<String, Object>> grid(SweepSpec sweep) {
        List<Map<String, Object>> out = new ArrayList<>();
        out.add(new LinkedHashMap<>());
        for (Map.Entry<String, SweepParameter> p : sweep.parameters().entrySet()) {
            List<Map<String, Object>> next = new ArrayList<>();
            for (Map<String, Object> partial : out) {
                for (Object value : p.getValue().values()) {
                    Map<String, Object> m = new LinkedHashMap<>(partial);
                    m.put(p.getKey(), value);
                    next.add(m);
                }
            }
            out = next;
        }
        return out.stream().map(m -> Collections.unmodifiableMap(m)).map(m -> (Map<String, Object>) m).toList();
    }

    private static List<Map<String, Object>> random(SweepSpec sweep) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < sweep.maxTrials(); i++) {
            // its own generator per trial: trial i draws the same values whatever maxTrials is
            SplittableRandom rng = new SplittableRandom(trialSeed(sweep.seed() ^ 0x5EED5EED5EEDL, i));
            Map<String, Object> m = new LinkedHashMap<>();
            sweep.parameters().forEach((path, p) -> m.put(path, draw(SweepTarget.ofPath(path).orElseThrow(), p, rng)));
            out.add(Collections.unmodifiableMap(m));
        }
        return out;
    }

    private static Object draw(SweepTarget target, SweepParameter p, SplittableRandom rng) {
        if (p.range().isEmpty()) {
            return p.values().get(rng.nextInt(p.values().size()));
        }
        double low = p.range().get().get(0);
        double high = p.range().get().get(1);
        double u = rng.nextDouble();
        double x = p.scale() == Scale.log ? Math.exp(Math.log(low) + u * (Math.log(high) - Math.log(low))) : low + u * (high - low);
        if (target.kind() == SweepTarget.Kind.integer) {
            return (int) Math.max(low, Math.min(high, Math.round(x)));
        }
        // four significant digits: readable in reports, and a drawn value can be copied into a spec exactly
        return Math.max(low, Math.min(high, new BigDecimal(x).round(new MathContext(4)).doubleValue()));
    }
}
