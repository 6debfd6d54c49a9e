package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.events.CollectionEndEvent;
import org.snakeyaml.engine.v2.events.CollectionStartEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Safe YAML reading: snakeyaml-engine composes only the node tree (YAML 1.2 core schema, so {@code no} stays a
 * string); explicit tags, duplicate keys and non-scalar keys are refused, alias expansion is capped. The nodes
 * become a Jackson tree for schema validation, remembering where each stood.
 */
final class YamlTree {

    static final int MAX_ALIASES = 50;
    /** No spec needs more; deeper trees would only risk the stack. */
    static final int MAX_DEPTH = 64;
    private static final Set<Tag> STANDARD_TAGS = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL, Tag.MAP, Tag.SEQ);

    private final Problems problems;
    private final Map<String, Location> values = new HashMap<>();
    private final Map<String, Location> keys = new HashMap<>();
    /** Numbers written as floats ({@code 2e1}, {@code 32.0}), by path, as written: integer keys refuse them. */
    private final Map<String, String> floatLiterals = new HashMap<>();
    /** Collections on the path from the root: an alias to one of them would make the tree infinite. */
    private final Set<Node> open = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** Whether a node was left out (a tag, a non-name key, a recursive alias): the tree then misses values. */
    private boolean lossy;

    private YamlTree(Problems problems) {
        this.problems = problems;
    }

    /** The tree, or empty when the text is not YAML (problem reported). */
    static Optional<LocatedTree> read(Problems problems, String text, int maxCodePoints) {
        Node root;
        try {
            LoadSettings settings = LoadSettings.builder()
                    .setLabel(problems.file())
                    .setSchema(new CoreSchema())
                    .setMaxAliasesForCollections(MAX_ALIASES)
                    .setAllowRecursiveKeys(false)
                    .setCodePointLimit(maxCodePoints)
                    .setUseMarks(true)
                    .build();
            // the composer recurses once per level: ~1,500 nested `[` overflow its stack before the tree's own depth
            // check could run, so the depth is checked on the parser's events (no recursion) first
            Optional<Location> tooDeep = firstTooDeep(new ParserImpl(settings, new StreamReader(settings, text)), problems.file());
            if (tooDeep.isPresent()) {
                problems.add(tooDeep.get(), "nesting deeper than " + MAX_DEPTH + " levels is not allowed in a spec");
                return Optional.empty();
            }
            root = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text))).getSingleNode().orElse(null);
        } catch (MarkedYamlEngineException e) {
            Location at = e.getProblemMark().or(e::getContextMark)
                    .map(m -> new Location(problems.file(), m.getLine() + 1, m.getColumn() + 1))
                    .orElse(new Location(problems.file(), 1, 1));
            problems.add(at, "invalid YAML: " + firstLine(e.getProblem() != null ? e.getProblem() : e.getMessage()));
            return Optional.empty();
        } catch (YamlEngineException e) {
            problems.add(new Location(problems.file(), 1, 1), "invalid YAML: " + firstLine(e.getMessage()));
            return Optional.empty();
        } catch (RuntimeException e) {
            // snakeyaml-engine fails on some malformed input with other exceptions (a tag with spaces, an index out
            // of bounds in its reader): found by fuzzing. Still the text's fault, so reported as invalid YAML.
            problems.add(new Location(problems.file(), 1, 1), "invalid YAML: the YAML reader failed ("
                    + e.getClass().getSimpleName() + ": " + firstLine(e.getMessage()) + ")");
            return Optional.empty();
        }
        if (root == null) {
            problems.add(new Location(problems.file(), 1, 1), "spec is empty; expected a mapping with at least `base` and `dataset`");
            return Optional.empty();
        }
        YamlTree tree = new YamlTree(problems);
        JsonNode json = tree.convert(root, "");
        // a duplicate key keeps its first value, so the tree is still whole and the later checks can report the rest
        return json == null || tree.lossy ? Optional.empty()
                : Optional.of(new LocatedTree(json, Map.copyOf(tree.values), Map.copyOf(tree.keys), Map.copyOf(tree.floatLiterals)));
    }

    /** Where the first collection deeper than {@link #MAX_DEPTH} starts, if any. */
    private static Optional<Location> firstTooDeep(ParserImpl events, String file) {
        int depth = 0;
        while (events.hasNext()) {
            Event event = events.next();
            if (event instanceof CollectionStartEvent) {
                if (++depth > MAX_DEPTH) {
                    return Optional.of(event.getStartMark().map(m -> new Location(file, m.getLine() + 1, m.getColumn() + 1))
                            .orElse(new Location(file, 1, 1)));
                }
            } else if (event instanceof CollectionEndEvent) {
                depth--;
            }
        }
        return Optional.empty();
    }

    private JsonNode convert(Node node, String path) {
        values.put(path, problems.location(node));
        if (open.contains(node)) {
            lossy = true;
            problems.add(node, "an alias refers to a collection that contains it"
                    + (path.isEmpty() ? "" : " at `" + path + "`") + "; recursive structures are not allowed in a spec");
            return null;
        }
        if (open.size() >= MAX_DEPTH) {
            lossy = true;
            problems.add(node, "nesting deeper than " + MAX_DEPTH + " levels is not allowed in a spec");
            return null;
        }
        if (node instanceof MappingNode || node instanceof SequenceNode) {
            open.add(node);
            try {
                return convertChecked(node, path);
            } finally {
                open.remove(node);
            }
        }
        return convertChecked(node, path);
    }

    private JsonNode convertChecked(Node node, String path) {
        if (!STANDARD_TAGS.contains(node.getTag())) {
            lossy = true;
            problems.add(node, "YAML tag `" + node.getTag().getValue() + "` is not allowed in a spec");
            return null;
        }
        if (node instanceof MappingNode mapping) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            for (NodeTuple tuple : mapping.getValue()) {
                if (!(tuple.getKeyNode() instanceof ScalarNode key) || !key.getTag().equals(Tag.STR)) {
                    lossy = true;
                    problems.add(tuple.getKeyNode(), "keys must be plain names"
                            + (path.isEmpty() ? "" : " in `" + path + "`") + ", found " + describe(tuple.getKeyNode()));
                    continue;
                }
                String childPath = LocatedTree.child(path, key.getValue());
                if (object.has(key.getValue())) {
                    problems.add(key, "duplicate key `" + childPath + "` (first defined at line " + keys.get(childPath).line() + ")");
                    continue;
                }
                keys.put(childPath, problems.location(key));
                JsonNode value = convert(tuple.getValueNode(), childPath);
                if (value != null) {
                    object.set(key.getValue(), value);
                }
            }
            return object;
        }
        if (node instanceof SequenceNode sequence) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            List<Node> items = sequence.getValue();
            for (int i = 0; i < items.size(); i++) {
                JsonNode value = convert(items.get(i), LocatedTree.item(path, i));
                array.add(value == null ? JsonNodeFactory.instance.nullNode() : value);
            }
            return array;
        }
        return scalar((ScalarNode) node, path);
    }

    private JsonNode scalar(ScalarNode s, String path) {
        String v = s.getValue();
        Tag tag = s.getTag();
        if (tag.equals(Tag.NULL)) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (tag.equals(Tag.BOOL)) {
            return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(v.toLowerCase(Locale.ROOT)));
        }
        if (tag.equals(Tag.INT)) {
            try {
                return JsonNodeFactory.instance.numberNode(parseInt(v));
            } catch (NumberFormatException e) {
                return JsonNodeFactory.instance.textNode(v);
            }
        }
        if (tag.equals(Tag.FLOAT)) {
            String t = v.toLowerCase(Locale.ROOT);
            if (t.contains("inf") || t.contains("nan")) {
                // not representable in JSON: kept as text, so the schema reports the wrong type
                return JsonNodeFactory.instance.textNode(v);
            }
            try {
                BigDecimal number = new BigDecimal(t);
                if (Double.isInfinite(number.doubleValue())) {
                    return JsonNodeFactory.instance.textNode(v);
                }
                if (number.signum() != 0 && number.doubleValue() == 0) {
                    // the engine reads numbers as doubles: this one would silently become 0
                    problems.add(s, "`" + (path.isEmpty() ? "spec" : path) + "`: `" + v + "` is too small for a 64-bit float "
                            + "(the smallest is 4.9e-324) and would read as 0; expected a number that is 0 or at least that");
                }
                floatLiterals.put(path, v);
                return JsonNodeFactory.instance.numberNode(number);
            } catch (NumberFormatException e) {
                // e.g. an exponent too large for BigDecimal: the schema reports it as not a number
                return JsonNodeFactory.instance.textNode(v);
            }
        }
        return JsonNodeFactory.instance.textNode(v);
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

    static String describe(Node v) {
        if (v instanceof MappingNode) {
            return "a mapping";
        }
        if (v instanceof SequenceNode) {
            return "a list";
        }
        return "`" + ((ScalarNode) v).getValue() + "`";
    }

    /** How a JSON value reads in a message: its kind and, for scalars, the value. */
    static String describe(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        if (v.isObject()) {
            return "a mapping";
        }
        if (v.isArray()) {
            return "a list";
        }
        if (v.isNull()) {
            return "null";
        }
        String kind = v.isTextual() ? "string" : v.isIntegralNumber() ? "integer" : v.isNumber() ? "number" : v.isBoolean() ? "boolean" : "value";
        return kind + " `" + (v.isTextual() ? v.textValue() : v.toString()) + "`";
    }

    private static String firstLine(String s) {
        return s == null ? "" : s.lines().findFirst().orElse("").trim();
    }
}
