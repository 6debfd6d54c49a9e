package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The published JSON Schema of {@code finetune.yaml} (draft-07, so editors' YAML language server can use it) and
 * validation against it with a maintained validator. Its findings are rewritten as located, actionable messages.
 */
public final class SpecSchema {

    /** Where the schema lives inside the jar. */
    public static final String RESOURCE = "/dev/finetune/spec/finetune.schema.json";

    /** What the schema's patterns mean, in words: a regular expression is no help to someone with a typo. */
    private static final Map<String, String> PATTERN_MEANINGS = Map.of(
            "^[^:\\s]+:[^:\\s]+:[^:\\s]+(:[^:\\s]+)?$", "Maven coordinates groupId:artifactId:version[:classifier]",
            "^[0-9a-f]{64}$", "a SHA-256 in 64 lowercase hex digits (as `sha256sum` prints it)",
            "^[A-Za-z0-9][A-Za-z0-9._-]*$", "a file extension without the dot, e.g. `jar`");

    private static final SpecSchema INSTANCE = new SpecSchema();

    private final JsonNode schemaJson;
    private final JsonSchema schema;

    private SpecSchema() {
        try (InputStream in = SpecSchema.class.getResourceAsStream(RESOURCE)) {
            schemaJson = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().pathType(PathType.LEGACY).locale(Locale.ROOT).build();
        schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(schemaJson, config);
    }

    public static SpecSchema get() {
        return INSTANCE;
    }

    /** The schema itself, e.g. for tests that compare it with the Java model. */
    public JsonNode json() {
        return schemaJson;
    }

    void validate(LocatedTree tree, Problems problems) {
        Set<ValidationMessage> messages = schema.validate(tree.root());
        List<SpecProblem> found = new ArrayList<>();
        for (ValidationMessage m : messages) {
            describe(m, tree, problems.file()).ifPresent(found::add);
        }
        found.stream().distinct().forEach(p -> problems.add(p.location(), p.message()));
    }

    /**
     * Refuses integral numbers written as floats ({@code epochs: 2e1}, {@code batchSize: 32.0}) where the schema wants an
     * integer: draft 6+ validators count them as integers, but a float there is a slip (or a unit mix-up) worth naming.
     */
    void checkIntegerLiterals(LocatedTree tree, Problems problems) {
        walk(tree.root(), schemaJson, "", tree, problems);
    }

    private void walk(JsonNode value, JsonNode unresolved, String path, LocatedTree tree, Problems problems) {
        JsonNode schema = resolve(unresolved);
        if (schema.isMissingNode() || schema.isBoolean()) {
            return;
        }
        if (value.isObject()) {
            value.fields().forEachRemaining(e -> {
                JsonNode sub = schema.path("properties").path(e.getKey());
                walk(e.getValue(), sub.isMissingNode() ? schema.path("additionalProperties") : sub,
                        LocatedTree.child(path, e.getKey()), tree, problems);
            });
        } else if (value.isArray()) {
            for (int i = 0; i < value.size(); i++) {
                walk(value.get(i), schema.path("items"), LocatedTree.item(path, i), tree, problems);
            }
        } else if (value.isNumber() && tree.floatLiterals().containsKey(path) && wantsIntegerOnly(schema.path("type"))
                && value.decimalValue().stripTrailingZeros().scale() <= 0) {
            String written = tree.floatLiterals().get(path);
            problems.add(tree.valueAt(path), "`" + path + "` must be an integer, found the float `" + written + "`; write `"
                    + value.decimalValue().toBigIntegerExact() + "`");
        }
    }

    /** A {@code $ref} within this schema ({@code #/properties/...}), followed; other nodes as they are. */
    private JsonNode resolve(JsonNode schema) {
        for (int hops = 0; schema.has("$ref") && hops < 8; hops++) {
            String ref = schema.get("$ref").asText();
            if (!ref.startsWith("#")) {
                return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
            }
            schema = schemaJson.at(ref.substring(1));
        }
        return schema;
    }

    private static boolean wantsIntegerOnly(JsonNode type) {
        List<String> types = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else if (type.isTextual()) {
            types.add(type.asText());
        }
        return types.contains("integer") && !types.contains("number");
    }

    private Optional<SpecProblem> describe(ValidationMessage m, LocatedTree tree, String file) {
        String path = path(m.getInstanceLocation());
        JsonNode sub = subschema(m);
        JsonNode value = m.getInstanceNode();
        String key = "`" + (path.isEmpty() ? "spec" : path) + "`";
        switch (m.getType()) {
            case "additionalProperties" -> {
                String child = LocatedTree.child(path, m.getProperty());
                List<String> known = new ArrayList<>();
                sub.path("properties").fieldNames().forEachRemaining(known::add);
                java.util.regex.Matcher stage = java.util.regex.Pattern.compile("training\\.stages\\[([0-9]{1,4})\\]\\..*")
                        .matcher(String.valueOf(m.getProperty()));
                if (path.equals("sweep.parameters") && stage.matches()) {
                    // a stage's key: the keys a stage may sweep, under the same stage
                    known = SweepTarget.stageKeys().stream()
                            .map(k -> "training.stages[" + Integer.parseInt(stage.group(1)) + "]." + k).toList();
                }
                String hint = Suggestions.closest(m.getProperty(), known).map(s -> "; did you mean `" + s + "`?")
                        .orElse("; expected one of: " + String.join(", ", known));
                return located(tree.keyAt(child), "unknown key `" + child + "`" + hint);
            }
            case "required" -> {
                return located(tree.valueAt(path), "missing required key `" + LocatedTree.child(path, m.getProperty()) + "`");
            }
            case "type" -> {
                if (path.equals("freeze")) {
                    // `freeze: [0, 1]` and `freeze: true` are natural guesses; show the shape that says the same
                    return located(tree.valueAt(path), key + " must be `none`, `all` or a mapping with `layers` and/or `upTo`, e.g. "
                            + "`freeze: { layers: [0, 1] }` or `freeze: { upTo: pool2 }`, found " + YamlTree.describe(value));
                }
                return located(tree.valueAt(path), key + " must be " + expectedType(sub.path("type")) + ", found " + YamlTree.describe(value));
            }
            case "enum" -> {
                List<String> allowed = new ArrayList<>();
                sub.path("enum").forEach(e -> allowed.add(e.asText()));
                String hint = value.isTextual() ? Suggestions.closest(value.textValue(), allowed)
                        .map(s -> "; did you mean `" + s + "`?").orElse("") : "";
                return located(tree.valueAt(path), key + " must be one of: " + String.join(", ", allowed) + ", found "
                        + (value.isTextual() ? "`" + value.textValue() + "`" : YamlTree.describe(value)) + hint);
            }
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum" -> {
                return located(tree.valueAt(path), key + " must be " + range(sub) + ", found " + value.asText());
            }
            case "minLength" -> {
                return located(tree.valueAt(path), key + " must not be empty");
            }
            case "maxLength" -> {
                int max = sub.path("maxLength").asInt();
                return located(tree.valueAt(path), key + " must be at most " + max + " character" + (max == 1 ? "" : "s")
                        + ", found " + YamlTree.describe(value));
            }
            case "minItems", "maxItems" -> {
                int min = sub.path("minItems").asInt(0);
                int max = sub.path("maxItems").asInt(Integer.MAX_VALUE);
                String want = min == max ? "exactly " + min : m.getType().equals("minItems") ? "at least " + min : "at most " + max;
                int count = m.getType().equals("minItems") ? min : max;
                return located(tree.valueAt(path), key + " must have " + want + " item" + (count == 1 ? "" : "s")
                        + (path.endsWith(".range") ? " [low, high]" : "") + ", found " + value.size());
            }
            case "minProperties" -> {
                List<String> known = new ArrayList<>();
                sub.path("properties").fieldNames().forEachRemaining(known::add);
                java.util.regex.Matcher stage = java.util.regex.Pattern.compile("training\\.stages\\[([0-9]{1,4})\\]\\..*")
                        .matcher(String.valueOf(m.getProperty()));
                if (path.equals("sweep.parameters") && stage.matches()) {
                    // a stage's key: the keys a stage may sweep, under the same stage
                    known = SweepTarget.stageKeys().stream()
                            .map(k -> "training.stages[" + Integer.parseInt(stage.group(1)) + "]." + k).toList();
                }
                return located(tree.valueAt(path), key + " must name at least one of: " + String.join(", ", known)
                        + (path.equals("sweep.parameters") ? ", or a stage's training.stages[i].KEY" : ""));
            }
            case "pattern" -> {
                if (path.startsWith("evaluation.gates[")) {
                    // gates get a precise message (unknown metric, suggestion) from the binder
                    return Optional.empty();
                }
                if ("^(none|all)$".equals(sub.path("pattern").asText())) {
                    return located(tree.valueAt(path), key + " must be `none`, `all` or a mapping with `layers` and/or `upTo`, found "
                            + YamlTree.describe(value));
                }
                String pattern = sub.path("pattern").asText();
                return located(tree.valueAt(path), key + " must be " + PATTERN_MEANINGS.getOrDefault(pattern, "text matching " + pattern)
                        + ", found " + YamlTree.describe(value));
            }
            default -> {
                return located(tree.valueAt(path), key + ": " + m.getMessage());
            }
        }
    }

    private static Optional<SpecProblem> located(Location at, String message) {
        return Optional.of(new SpecProblem(at, message));
    }

    /** The subschema that holds the failed keyword. */
    private JsonNode subschema(ValidationMessage m) {
        JsonNodePath fragment = m.getSchemaLocation().getFragment();
        JsonNode node = schemaJson;
        for (int i = 0; i < fragment.getNameCount() - 1; i++) {
            Object element = fragment.getElement(i);
            node = element instanceof Integer index ? node.path(index) : node.path(element.toString());
        }
        return node;
    }

    private static String path(JsonNodePath location) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            if (element instanceof Integer index) {
                out.append('[').append(index).append(']');
            } else {
                if (out.length() > 0) {
                    out.append('.');
                }
                out.append(element);
            }
        }
        return out.toString();
    }

    private static String expectedType(JsonNode type) {
        List<String> kinds = new ArrayList<>();
        if (type.isArray()) {
            type.forEach(t -> kinds.add(kind(t.asText())));
        } else {
            kinds.add(kind(type.asText()));
        }
        return String.join(" or ", kinds);
    }

    private static String kind(String type) {
        return switch (type) {
            case "integer" -> "an integer";
            case "number" -> "a number";
            case "string" -> "a string";
            case "boolean" -> "true or false";
            case "object" -> "a mapping";
            case "array" -> "a list";
            default -> type;
        };
    }

    private static String range(JsonNode sub) {
        String low = sub.has("minimum") ? "at least " + sub.get("minimum").asText()
                : sub.has("exclusiveMinimum") ? "greater than " + sub.get("exclusiveMinimum").asText() : null;
        String high = sub.has("maximum") ? "at most " + sub.get("maximum").asText()
                : sub.has("exclusiveMaximum") ? "less than " + sub.get("exclusiveMaximum").asText() : null;
        if (sub.has("minimum") && sub.has("maximum")) {
            return "between " + sub.get("minimum").asText() + " and " + sub.get("maximum").asText();
        }
        return low == null ? high : high == null ? low : low + " and " + high;
    }

}
