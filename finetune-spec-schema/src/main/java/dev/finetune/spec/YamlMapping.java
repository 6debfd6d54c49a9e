package dev.finetune.spec;

import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads one YAML mapping of the spec key by key. Every problem goes to {@link Problems} with its
 * position; a value that is wrong falls back to the default so that all problems are found in one pass.
 * {@link #finish()} reports the keys nobody asked for.
 */
final class YamlMapping {

    private final Problems problems;
    private final String path;
    private final Node node;
    private final Map<String, NodeTuple> entries = new LinkedHashMap<>();
    private final List<String> known = new ArrayList<>();

    YamlMapping(Problems problems, String path, MappingNode node) {
        this.problems = problems;
        this.path = path;
        this.node = node;
        for (NodeTuple tuple : node.getValue()) {
            if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
                problems.add(tuple.getKeyNode(), "expected a plain key in `" + path + "`");
                continue;
            }
            if (entries.containsKey(key.getValue())) {
                problems.add(key, "duplicate key `" + qualified(key.getValue()) + "` (first defined at line "
                        + problems.location(entries.get(key.getValue()).getKeyNode()).line() + ")");
                continue;
            }
            entries.put(key.getValue(), tuple);
        }
    }

    Node node() {
        return node;
    }

    String qualified(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        known.add(key);
        return entries.containsKey(key);
    }

    Optional<Node> value(String key) {
        known.add(key);
        NodeTuple tuple = entries.get(key);
        if (tuple == null || isNull(tuple.getValueNode())) {
            return Optional.empty();
        }
        return Optional.of(tuple.getValueNode());
    }

    Optional<Node> keyNode(String key) {
        return Optional.ofNullable(entries.get(key)).map(NodeTuple::getKeyNode);
    }

    /** A required mapping; reports it when missing. */
    Optional<YamlMapping> requiredMapping(String key) {
        Optional<YamlMapping> m = mapping(key);
        if (m.isEmpty() && !entries.containsKey(key)) {
            problems.add(node, "missing required key `" + qualified(key) + "`");
        }
        return m;
    }

    Optional<YamlMapping> mapping(String key) {
        return value(key).flatMap(v -> {
            if (v instanceof MappingNode m) {
                return Optional.of(new YamlMapping(problems, qualified(key), m));
            }
            problems.add(v, "`" + qualified(key) + "` must be a mapping of keys to values, found " + describe(v));
            return Optional.empty();
        });
    }

    Optional<List<Node>> sequence(String key) {
        return value(key).flatMap(v -> {
            if (v instanceof SequenceNode s) {
                return Optional.of(s.getValue());
            }
            problems.add(v, "`" + qualified(key) + "` must be a list, found " + describe(v));
            return Optional.empty();
        });
    }

    Optional<String> string(String key) {
        return value(key).flatMap(v -> {
            if (v instanceof ScalarNode s && s.getTag().equals(Tag.STR)) {
                return Optional.of(s.getValue());
            }
            problems.add(v, "`" + qualified(key) + "` must be a string, found " + describe(v));
            return Optional.empty();
        });
    }

    Optional<String> requiredString(String key) {
        Optional<String> s = string(key);
        if (s.isEmpty() && !entries.containsKey(key)) {
            problems.add(node, "missing required key `" + qualified(key) + "`");
        }
        return s;
    }

    boolean bool(String key, boolean defaultValue) {
        return value(key).map(v -> {
            if (v instanceof ScalarNode s && s.getTag().equals(Tag.BOOL)) {
                return Boolean.parseBoolean(s.getValue());
            }
            problems.add(v, "`" + qualified(key) + "` must be true or false, found " + describe(v));
            return defaultValue;
        }).orElse(defaultValue);
    }

    /** An integer in [min, max]. */
    long integer(String key, long defaultValue, long min, long max) {
        return value(key).map(v -> {
            Optional<Long> parsed = asLong(v);
            if (parsed.isEmpty()) {
                problems.add(v, "`" + qualified(key) + "` must be an integer, found " + describe(v));
                return defaultValue;
            }
            long n = parsed.get();
            if (n < min || n > max) {
                problems.add(v, "`" + qualified(key) + "` must be " + range(min, max) + ", found " + n);
                return defaultValue;
            }
            return n;
        }).orElse(defaultValue);
    }

    int integer(String key, int defaultValue, int min, int max) {
        return (int) integer(key, (long) defaultValue, min, (long) max);
    }

    /** A number in the given range; {@code minInclusive} decides whether min itself is allowed. */
    double number(String key, double defaultValue, double min, boolean minInclusive, double max, boolean maxInclusive) {
        return value(key).map(v -> {
            Optional<Double> parsed = asDouble(v);
            if (parsed.isEmpty()) {
                problems.add(v, "`" + qualified(key) + "` must be a number, found " + describe(v));
                return defaultValue;
            }
            double x = parsed.get();
            boolean ok = (minInclusive ? x >= min : x > min) && (maxInclusive ? x <= max : x < max);
            if (!ok) {
                problems.add(v, "`" + qualified(key) + "` must be " + (minInclusive ? "at least " : "greater than ")
                        + Gate.format(min) + (Double.isInfinite(max) ? "" : (maxInclusive ? " and at most " : " and less than ")
                        + Gate.format(max)) + ", found " + ((ScalarNode) v).getValue());
                return defaultValue;
            }
            return x;
        }).orElse(defaultValue);
    }

    <E extends Enum<E>> E enumValue(String key, Class<E> type, E defaultValue) {
        return value(key).map(v -> Problems.enumOf(problems, v, qualified(key), type).orElse(defaultValue))
                .orElse(defaultValue);
    }

    /** Reports every key that no reader asked for, with a suggestion for near misses. */
    void finish() {
        for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
            if (known.contains(e.getKey())) {
                continue;
            }
            String hint = Suggestions.closest(e.getKey(), known)
                    .map(s -> "; did you mean `" + s + "`?")
                    .orElse("; expected one of: " + String.join(", ", known));
            problems.add(e.getValue().getKeyNode(), "unknown key `" + qualified(e.getKey()) + "`" + hint);
        }
    }

    static boolean isNull(Node v) {
        return v instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    static Optional<Long> asLong(Node v) {
        if (v instanceof ScalarNode s && s.getTag().equals(Tag.INT)) {
            try {
                BigInteger big = parseInt(s.getValue());
                return big.bitLength() < 64 ? Optional.of(big.longValue()) : Optional.empty();
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    private static BigInteger parseInt(String text) {
        String t = text.replace("_", "");
        boolean negative = t.startsWith("-");
        if (t.startsWith("-") || t.startsWith("+")) {
            t = t.substring(1);
        }
        BigInteger value = t.startsWith("0x") ? new BigInteger(t.substring(2), 16)
                : t.startsWith("0o") ? new BigInteger(t.substring(2), 8)
                : new BigInteger(t);
        return negative ? value.negate() : value;
    }

    static Optional<Double> asDouble(Node v) {
        if (v instanceof ScalarNode s && (s.getTag().equals(Tag.FLOAT) || s.getTag().equals(Tag.INT))) {
            String t = s.getValue().toLowerCase(java.util.Locale.ROOT);
            if (t.contains(".inf") || t.contains(".nan")) {
                return Optional.empty();
            }
            try {
                return Optional.of(s.getTag().equals(Tag.INT) ? parseInt(t).doubleValue() : Double.parseDouble(t));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    static String describe(Node v) {
        if (v instanceof MappingNode) {
            return "a mapping";
        }
        if (v instanceof SequenceNode) {
            return "a list";
        }
        ScalarNode s = (ScalarNode) v;
        String kind = s.getTag().equals(Tag.STR) ? "string" : s.getTag().equals(Tag.INT) ? "integer"
                : s.getTag().equals(Tag.FLOAT) ? "number" : s.getTag().equals(Tag.BOOL) ? "boolean"
                : s.getTag().equals(Tag.NULL) ? "null" : s.getTag().getValue();
        return kind + " `" + s.getValue() + "`";
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
            return "at least " + min;
        }
        return "between " + min + " and " + max;
    }

    static <T> List<T> each(List<Node> nodes, Function<Node, Optional<T>> reader) {
        List<T> out = new ArrayList<>();
        for (Node n : nodes) {
            reader.apply(n).ifPresent(out::add);
        }
        return out;
    }

    static String allowed(Class<? extends Enum<?>> type) {
        return String.join(", ", Arrays.stream(type.getEnumConstants()).map(Enum::name).toList());
    }
}
