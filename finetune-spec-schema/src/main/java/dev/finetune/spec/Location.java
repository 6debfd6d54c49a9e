package dev.finetune.spec;

/** A position in a spec file; line and column are 1-based, as editors show them. */
public record Location(String file, int line, int column) implements Comparable<Location> {

    @Override
    public int compareTo(Location other) {
        int byLine = Integer.compare(line, other.line);
        return byLine != 0 ? byLine : Integer.compare(column, other.column);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
