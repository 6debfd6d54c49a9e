package dev.finetune.spec;

import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Collects problems found while reading one spec file. */
final class Problems {

    private final String file;
    private final List<SpecProblem> found = new ArrayList<>();

    Problems(String file) {
        this.file = file;
    }

    String file() {
        return file;
    }

    Location location(Node node) {
        return node.getStartMark()
                .map(m -> new Location(file, m.getLine() + 1, m.getColumn() + 1))
                .orElse(new Location(file, 1, 1));
    }

    void add(Node node, String message) {
        add(location(node), message);
    }

    void add(Location location, String message) {
        found.add(new SpecProblem(location, message));
    }

    boolean isEmpty() {
        return found.isEmpty();
    }

    List<SpecProblem> all() {
        return List.copyOf(found);
    }

    static <E extends Enum<E>> Optional<E> enumOf(Problems problems, Node v, String key, Class<E> type) {
        if (v instanceof ScalarNode s && s.getTag().equals(Tag.STR)) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equals(s.getValue())) {
                    return Optional.of(e);
                }
            }
            String hint = Suggestions.closest(s.getValue(), Arrays.stream(type.getEnumConstants()).map(Enum::name).toList())
                    .map(x -> "; did you mean `" + x + "`?").orElse("");
            problems.add(v, "`" + key + "` must be one of: " + YamlMapping.allowed(type) + ", found `" + s.getValue() + "`" + hint);
            return Optional.empty();
        }
        problems.add(v, "`" + key + "` must be one of: " + YamlMapping.allowed(type) + ", found " + YamlMapping.describe(v));
        return Optional.empty();
    }
}
