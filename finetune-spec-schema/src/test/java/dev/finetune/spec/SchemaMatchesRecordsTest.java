package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One source of truth: the JSON Schema and the Java records describe the same keys, types and defaults. */
class SchemaMatchesRecordsTest {

    /** Record types that a spec writes as one scalar (an index or a name; an expression). */
    private static final Map<Class<?>, Set<String>> SCALAR_RECORDS = Map.of(
            FinetuneSpec.ColumnRef.class, Set.of("integer", "string"),
            FinetuneSpec.LayerRef.class, Set.of("integer", "string"),
            Gate.class, Set.of("string"));

    private final JsonNode schema = SpecSchema.get().json();
    private final List<String> mismatches = new ArrayList<>();

    @Test
    void everyRecordComponentHasASchemaPropertyOfTheSameTypeAndViceVersa() {
        compareObject(FinetuneSpec.class, schema, "");
        assertEquals(List.of(), mismatches);
    }

    @Test
    @SuppressWarnings("unchecked")
    void schemaDefaultsAreTheParserDefaults() throws SpecException {
        FinetuneSpec spec = new SpecParser().parse("finetune.yaml", """
                base: { path: b.zip }
                dataset: { path: d.csv, split: {} }
                head: {}
                training: {}
                earlyStopping: {}
                evaluation: {}
                sweep: { earlyTermination: {}, parameters: { training.l2: { values: [0.1] } } }
                """);
        compareDefaults(schema, CanonicalSpec.toMap(spec), "");
        // defaults inside list items: a hidden layer given only its size
        FinetuneSpec withHidden = new SpecParser().parse("finetune.yaml", """
                base: { path: b.zip }
                dataset: { path: d.csv }
                head: { hidden: [{ units: 3 }] }
                """);
        Map<String, Object> head = (Map<String, Object>) CanonicalSpec.toMap(withHidden).get("head");
        compareDefaults(schema.path("properties").path("head").path("properties").path("hidden").path("items"),
                ((List<Map<String, Object>>) head.get("hidden")).get(0), "head.hidden[0]");
        // image data: its own keys' defaults
        FinetuneSpec images = new SpecParser().parse("finetune.yaml", """
                base: { path: b.zip }
                dataset: { type: images, path: photos, image: {}, augmentation: {} }
                """);
        Map<String, Object> dataset = (Map<String, Object>) CanonicalSpec.toMap(images).get("dataset");
        JsonNode datasetSchema = schema.path("properties").path("dataset").path("properties");
        compareDefaults(datasetSchema.path("augmentation"), (Map<String, Object>) dataset.get("augmentation"), "dataset.augmentation");
        compareDefaults(datasetSchema.path("image"), (Map<String, Object>) dataset.get("image"), "dataset.image");
        // a sampled range: `scale` (written only beside `range`)
        FinetuneSpec ranged = new SpecParser().parse("finetune.yaml", """
                base: { path: b.zip }
                dataset: { path: d.csv }
                sweep: { strategy: random, parameters: { training.l2: { range: [0.0, 0.1] } } }
                """);
        Map<String, Object> sweep = (Map<String, Object>) CanonicalSpec.toMap(ranged).get("sweep");
        compareDefaults(schema.path("properties").path("sweep").path("properties").path("parameters")
                        .path("properties").path("training.l2"),
                (Map<String, Object>) ((Map<String, Object>) sweep.get("parameters")).get("training.l2"),
                "sweep.parameters.training.l2");
        assertEquals(List.of(), mismatches);
    }

    private void compareObject(Class<?> record, JsonNode objectSchema, String path) {
        Set<String> components = new TreeSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            if (!c.getName().equals("location") && !c.getName().equals("locations")) {
                components.add(c.getName());
            }
        }
        Set<String> properties = new TreeSet<>();
        objectSchema.path("properties").fieldNames().forEachRemaining(properties::add);
        if (!components.equals(properties)) {
            mismatches.add(path + ": record " + record.getSimpleName() + " has " + components + ", schema has " + properties);
            return;
        }
        for (RecordComponent c : record.getRecordComponents()) {
            if (properties.contains(c.getName())) {
                compareValue(c.getGenericType(), objectSchema.path("properties").path(c.getName()), LocatedTree.child(path, c.getName()));
            }
        }
    }

    private void compareValue(Type type, JsonNode valueSchema, String path) {
        if (valueSchema.has("$ref")) {
            // a key that is another's shape (a stage's freeze): compare against what it refers to
            valueSchema = schema.at(valueSchema.path("$ref").asText().substring(1));
        }
        Set<String> types = types(valueSchema);
        if (type instanceof ParameterizedType p && p.getRawType() == Optional.class) {
            compareValue(p.getActualTypeArguments()[0], valueSchema, path);
        } else if (type instanceof ParameterizedType p && p.getRawType() == Map.class
                && p.getActualTypeArguments()[0] == String.class) {
            // a mapping keyed by spec paths: the sweep's parameters
            compareSweepParameters((Class<?>) p.getActualTypeArguments()[1], valueSchema, path);
        } else if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
            expect(path, types, Set.of("array"));
            compareValue(p.getActualTypeArguments()[0], valueSchema.path("items"), path + "[]");
        } else if (type instanceof ParameterizedType p && p.getRawType() == Map.class
                && p.getActualTypeArguments()[0] instanceof Class<?> keys && keys.isEnum()) {
            // a mapping keyed by an enum's constants: an object whose properties are exactly those constants
            expect(path, types, Set.of("object"));
            List<String> constants = Arrays.stream(keys.getEnumConstants()).map(x -> ((Enum<?>) x).name()).toList();
            List<String> properties = new ArrayList<>();
            valueSchema.path("properties").fieldNames().forEachRemaining(properties::add);
            if (!constants.equals(properties) || valueSchema.path("additionalProperties").asBoolean(true)) {
                mismatches.add(path + ": map keyed by " + keys.getSimpleName() + " " + constants + " vs schema properties "
                        + properties + " (additionalProperties must be false)");
            }
            for (String key : properties) {
                compareValue(p.getActualTypeArguments()[1], valueSchema.path("properties").path(key), path + "." + key);
            }
        } else if (type == Integer.class) {
            expect(path, types, Set.of("integer"));
        } else if (type == Double.class) {
            expect(path, types, Set.of("number"));
        } else if (type == int.class || type == long.class || type == Integer.class) {
            expect(path, types, Set.of("integer"));
        } else if (type == double.class) {
            expect(path, types, Set.of("number"));
        } else if (type == boolean.class) {
            expect(path, types, Set.of("boolean"));
        } else if (type == String.class || type == char.class) {
            expect(path, types, Set.of("string"));
        } else if (type instanceof Class<?> e && e.isEnum()) {
            expect(path, types, Set.of("string"));
            List<String> constants = Arrays.stream(e.getEnumConstants()).map(x -> ((Enum<?>) x).name()).toList();
            List<String> allowed = new ArrayList<>();
            valueSchema.path("enum").forEach(v -> allowed.add(v.asText()));
            if (!constants.equals(allowed)) {
                mismatches.add(path + ": enum " + e.getSimpleName() + " " + constants + " vs schema " + allowed);
            }
        } else if (type instanceof Class<?> r && SCALAR_RECORDS.containsKey(r)) {
            expect(path, types, SCALAR_RECORDS.get(r));
        } else if (type instanceof Class<?> r && r.isRecord()) {
            if (!types.contains("object")) {
                mismatches.add(path + ": record " + r.getSimpleName() + " but schema type " + types);
            }
            compareObject(r, valueSchema, path);
        } else if (path.equals("freeze") || type == FinetuneSpec.FreezeSpec.class) {
            compareObject(FinetuneSpec.FreezeSpec.class, valueSchema, path);
        } else {
            mismatches.add(path + ": no rule for " + type);
        }
    }

    /**
     * {@code sweep.parameters}: one property per {@link SweepTarget}, each a subset of {@link SweepSpec.SweepParameter}'s
     * components, whose {@code values} and {@code range} items refer to the schema of the key they override.
     */
    private void compareSweepParameters(Class<?> parameterRecord, JsonNode parametersSchema, String path) {
        Set<String> properties = new TreeSet<>();
        parametersSchema.path("properties").fieldNames().forEachRemaining(properties::add);
        if (!properties.equals(new TreeSet<>(SweepTarget.paths()))) {
            mismatches.add(path + ": schema has " + properties + ", SweepTarget has " + SweepTarget.paths());
            return;
        }
        Set<String> components = new TreeSet<>();
        for (RecordComponent c : parameterRecord.getRecordComponents()) {
            if (!c.getName().equals("location")) {
                components.add(c.getName());
            }
        }
        Set<String> patterns = new TreeSet<>();
        parametersSchema.path("patternProperties").fieldNames().forEachRemaining(patterns::add);
        Set<String> stagePatterns = new TreeSet<>();
        SweepTarget.stageKeys().forEach(k -> stagePatterns.add(stagePattern(k)));
        if (!patterns.equals(stagePatterns)) {
            mismatches.add(path + ": schema has patterns " + patterns + ", SweepTarget's stage keys want " + stagePatterns);
            return;
        }
        for (SweepTarget target : SweepTarget.values()) {
            String here = path + "." + target.path();
            JsonNode p = target.stage()
                    ? parametersSchema.path("patternProperties").path(stagePattern(target.path().substring("training.stages[].".length())))
                    : parametersSchema.path("properties").path(target.path());
            if (target.stage() && !java.util.regex.Pattern.compile(stagePattern(target.path().substring("training.stages[].".length())))
                    .matcher(target.path().replace("[]", "[1]")).matches()) {
                mismatches.add(here + ": its pattern does not match stage 1's key");
            }
            Set<String> keys = new TreeSet<>();
            p.path("properties").fieldNames().forEachRemaining(keys::add);
            Set<String> expected = target.kind() == SweepTarget.Kind.categorical ? Set.of("values") : components;
            if (!keys.equals(expected)) {
                mismatches.add(here + ": schema has " + keys + ", expected " + expected);
            }
            String key = target.path().substring(target.path().lastIndexOf("].") + 2);
            // a stage's freeze and rates are the top-level keys' schemas (the stage's own entries refer to them)
            String ref = !target.stage() ? "#/properties/" + target.path().replace(".", "/properties/")
                    : key.equals("freeze.upTo") ? "#/properties/freeze/properties/upTo"
                    : key.startsWith("layerLearningRate") ? "#/properties/training/properties/" + key
                    : "#/properties/training/properties/stages/items/properties/" + key;
            for (String list : List.of("values", "range")) {
                if (keys.contains(list)) {
                    expect(here + "." + list, types(p.path("properties").path(list)), Set.of("array"));
                    if (!ref.equals(p.path("properties").path(list).path("items").path("$ref").asText())) {
                        mismatches.add(here + "." + list + ": items must refer to " + ref);
                    }
                }
            }
            if (keys.contains("scale")) {
                compareValue(SweepSpec.Scale.class, p.path("properties").path("scale"), here + ".scale");
            }
        }
    }

    /** The schema's pattern for a stage's key: any stage index, as {@code training.stages[i].KEY}. */
    private static String stagePattern(String key) {
        return "^training\\.stages\\[(0|[1-9][0-9]{0,3})\\]\\." + key.replace(".", "\\.") + "$";
    }

    private void expect(String path, Set<String> actual, Set<String> expected) {
        // a head.hidden entry may also be a bare size: integer or object
        if (!actual.equals(expected) && !(path.equals("head.hidden[]") && actual.equals(Set.of("integer", "object")))) {
            mismatches.add(path + ": schema type " + actual + ", Java type wants " + expected);
        }
    }

    private static Set<String> types(JsonNode s) {
        Set<String> out = new TreeSet<>();
        if (s.path("type").isArray()) {
            s.path("type").forEach(t -> out.add(t.asText()));
        } else if (s.has("type")) {
            out.add(s.path("type").asText());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private void compareDefaults(JsonNode objectSchema, Map<String, Object> resolved, String path) {
        var fields = objectSchema.path("properties").fields();
        while (fields.hasNext()) {
            var field = fields.next();
            String key = field.getKey();
            JsonNode property = field.getValue();
            String here = LocatedTree.child(path, key);
            // written into the resolved spec only when set (older specs keep their resolved form): the record's default
            Object value = here.equals("training.layerLearningRateDecay") && !resolved.containsKey(key)
                    ? FinetuneSpec.TrainingSpec.NO_DECAY : resolved.get(key);
            if (key.equals("scale") && resolved.containsKey("values")) {
                continue; // a sweep parameter's `scale` applies to `range` only and is not written beside `values`
            }
            if (property.has("default")) {
                JsonNode d = property.get("default");
                boolean same = d.isNumber() ? value instanceof Number n && n.doubleValue() == d.doubleValue()
                        : d.isBoolean() ? Boolean.valueOf(d.booleanValue()).equals(value)
                        : d.isArray() ? value instanceof List<?> l && l.isEmpty() && d.isEmpty()
                        : d.isObject() ? value instanceof Map<?, ?> m && m.isEmpty() && d.isEmpty()
                        : d.asText().equals(String.valueOf(value))
                        || here.equals("freeze") && value instanceof Map<?, ?> m && ((List<?>) m.get("layers")).isEmpty();
                if (!same) {
                    mismatches.add(here + ": schema default " + d + ", parser default " + value);
                }
            }
            if (value instanceof Map<?, ?> nested && property.has("properties")) {
                compareDefaults(property, (Map<String, Object>) nested, here);
            }
        }
        assertTrue(objectSchema.has("properties"));
    }
}
