package dev.finetune.spec;

/** One thing wrong with a spec, at the place it was found. */
public record SpecProblem(Location location, String message) implements Comparable<SpecProblem> {

    @Override
    public int compareTo(SpecProblem other) {
        return location.compareTo(other.location);
    }

    @Override
    public String toString() {
        return location + ": " + message;
    }
}
