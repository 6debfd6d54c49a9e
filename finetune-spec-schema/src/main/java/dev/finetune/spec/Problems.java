package dev.finetune.spec;

import org.snakeyaml.engine.v2.nodes.Node;

import java.util.ArrayList;
import java.util.List;

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
}
