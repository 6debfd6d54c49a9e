package dev.finetune.spec;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when a spec cannot be used; carries every problem found, sorted by position. */
public class SpecException extends Exception {

    private final List<SpecProblem> problems;

    public SpecException(List<SpecProblem> problems) {
        super(problems.stream().sorted().map(SpecProblem::toString).collect(Collectors.joining("\n")));
        this.problems = problems.stream().sorted().toList();
    }

    public List<SpecProblem> problems() {
        return problems;
    }
}
