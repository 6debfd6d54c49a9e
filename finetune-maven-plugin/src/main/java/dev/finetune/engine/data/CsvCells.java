package dev.finetune.engine.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * One CSV data row's cells, checked and read the same way by the streaming parse ({@link CsvRowCache}) and the
 * whole-file reader ({@link CsvDatasetLoader}): every feature a finite number, the label not empty, each bad cell
 * reported by file, row and column.
 */
final class CsvCells {

    /** Bad cells listed by name before the rest are only counted, so a wrong delimiter stays readable. */
    static final int MAX_LISTED = 20;

    private CsvCells() {
    }

    /** Every bad cell of a file, in file order: the first {@link #MAX_LISTED}, then a count of the others. */
    static final class Problems {
        private final Path file;
        private final List<String> listed = new ArrayList<>();
        private int unreported;

        Problems(Path file) {
            this.file = file;
        }

        void add(int line, String column, String problem) {
            if (listed.size() < MAX_LISTED) {
                listed.add(file + ": row " + line + ", " + column + ": " + problem);
            } else {
                unreported++;
            }
        }

        boolean isEmpty() {
            return listed.isEmpty();
        }

        /** The messages, one per bad cell listed, then the count of the others. */
        List<String> messages() {
            List<String> all = new ArrayList<>(listed);
            if (unreported > 0) {
                all.add(file + ": and " + unreported + " more bad cell(s)");
            }
            return List.copyOf(all);
        }
    }

    /**
     * One row as read.
     *
     * @param label the label cell as a class name ({@link CsvDatasetLoader#labelOf}); empty when it is blank. Present
     *              also when a feature cell is bad: the classes are those of every labelled row, clean or not
     * @param clean whether every cell was good
     */
    record Row(Optional<String> label, boolean clean) {
    }

    /**
     * Reads one numeric row: the feature cells (all but {@code label}, in column order) into {@code features}, each bad
     * cell reported.
     */
    static Row numeric(List<String> row, int label, float[] features, int line, IntFunction<String> columnName,
                       Problems problems) {
        boolean clean = true;
        Optional<String> classOf = Optional.empty();
        int f = 0;
        for (int c = 0; c < row.size(); c++) {
            if (c == label) {
                classOf = label(row, label, line, columnName, problems);
                clean &= classOf.isPresent();
                continue;
            }
            String cell = row.get(c).trim();
            float value = parse(cell);
            if (Float.isFinite(value)) {
                features[f] = value;
            } else {
                problems.add(line, columnName.apply(c), cell.isEmpty() ? "expected a finite number, found an empty cell"
                        : "expected a finite number, found `" + cell + "`");
                clean = false;
            }
            f++;
        }
        return new Row(classOf, clean);
    }

    /** The label cell as a class name; empty (and reported) when the cell is blank. */
    static Optional<String> label(List<String> row, int label, int line, IntFunction<String> columnName, Problems problems) {
        String cell = row.get(label).trim();
        if (cell.isEmpty()) {
            problems.add(line, columnName.apply(label), "the label is empty");
            return Optional.empty();
        }
        return Optional.of(CsvDatasetLoader.labelOf(cell));
    }

    /** The cell as a float; NaN when it is none (also for NaN, infinities and numbers beyond float's range). */
    private static float parse(String cell) {
        try {
            return Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            return Float.NaN;
        }
    }
}
