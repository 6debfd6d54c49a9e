package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * A spec as a JSON tree, with where each value and each key stood in the YAML file. Paths look like
 * {@code training.batchSize} and {@code evaluation.gates[1]}; the root is the empty path.
 *
 * @param floatLiterals the numbers written as floats ({@code 2e1}, {@code 32.0}) as written, by path: JSON Schema
 *                      draft 6+ counts an integral float as an integer, so integer keys check these themselves
 */
record LocatedTree(JsonNode root, Map<String, Location> values, Map<String, Location> keys, Map<String, String> floatLiterals) {

    Location valueAt(String path) {
        Location at = values.get(path);
        return at != null ? at : values.get("");
    }

    /** Where the key of a mapping entry stands, falling back to its value. */
    Location keyAt(String path) {
        Location at = keys.get(path);
        return at != null ? at : valueAt(path);
    }

    static String child(String parent, String key) {
        return parent.isEmpty() ? key : parent + "." + key;
    }

    static String item(String parent, int index) {
        return parent + "[" + index + "]";
    }
}
