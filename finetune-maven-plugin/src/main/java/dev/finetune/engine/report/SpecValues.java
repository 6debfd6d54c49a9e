package dev.finetune.engine.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Values as a spec would write them, for logs and reports: 0.001, [128, 64], {units: 64, activation: tanh}. */
public final class SpecValues {

    private SpecValues() {
    }

    public static String render(Object v) {
        if (v instanceof Double d) {
            return BigDecimal.valueOf(d).stripTrailingZeros().toPlainString();
        }
        if (v instanceof List<?> list) {
            List<String> items = new ArrayList<>();
            list.forEach(x -> items.add(render(x)));
            return "[" + String.join(", ", items) + "]";
        }
        if (v instanceof Map<?, ?> map) {
            List<String> items = new ArrayList<>();
            map.forEach((k, x) -> items.add(k + ": " + render(x)));
            return "{" + String.join(", ", items) + "}";
        }
        return String.valueOf(v);
    }
}
