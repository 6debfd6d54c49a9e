package dev.finetune.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * A spec as a JSON tree, with where each value and each key stood in the YAML file. Paths look like
 * {@code training.batchSize} and {@code evaluation.gates[1]}; the root is the empty path.
 */
record LocatedTree(JsonNode root, Map<String, Location> values, Map<String, Location> keys) {

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
