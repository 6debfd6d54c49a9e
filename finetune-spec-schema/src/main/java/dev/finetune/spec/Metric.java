package dev.finetune.spec;

import java.util.Arrays;
import java.util.List;

/** Metrics the engine computes on a split; the key is how specs and metrics.json name them. */
public enum Metric {
    accuracy(true),
    macroF1(true),
    macroPrecision(true),
    macroRecall(true),
    loss(false);

    private final boolean higherIsBetter;

    Metric(boolean higherIsBetter) {
        this.higherIsBetter = higherIsBetter;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }
}
