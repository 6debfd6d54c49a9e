package dev.finetune.engine.diff;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Flattens a spec tree to dotted paths ({@code training.learningRate}) with one readable value each. Maps are
 * descended into, so any key, also ones this version does not know (a newer spec section), is compared on its own;
 * lists are one value, since their order matters ({@code head.hidden: [64] -> [128, 64]}).
 */
public final class SettingPaths {

    private SettingPaths() {
    }

    public static Map<String, String> flatten(Map<String, Object> tree) {
        Map<String, String> out = new LinkedHashMap<>();
        tree.forEach((key, value) -> flatten(key, value, out));
        return out;
    }

    private static void flatten(String path, Object value, Map<String, String> out) {
        if (value instanceof Map<?, ?> map) {
            // an empty section sets nothing: `regression: {}` and no `regression` are the same
            map.forEach((key, child) -> flatten(path + "." + key, child, out));
        } else {
            out.put(path, render(path, value));
        }
    }

    static String render(String path, Object value) {
        if (value instanceof List<?> list) {
            return list.stream().map(item -> item(path, item)).collect(Collectors.joining(", ", "[", "]"));
        }
        if (value instanceof Map<?, ?> map) {
            return map.entrySet().stream().map(e -> e.getKey() + ": " + render(path, e.getValue()))
                    .collect(Collectors.joining(", ", "{", "}"));
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            // 0.0003, not 3.0E-4: the value as a reviewer would write it
            return Double.isFinite(d) ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : String.valueOf(d);
        }
        return String.valueOf(value);
    }

    /** A head layer reads as its size, with its activation only when it is not the default relu. */
    private static String item(String path, Object item) {
        if (path.equals("head.hidden") && item instanceof Map<?, ?> layer && layer.containsKey("units")) {
            Object activation = layer.get("activation");
            return layer.get("units") + (activation == null || "relu".equals(activation) ? "" : " " + activation);
        }
        return render(path, item);
    }
}
