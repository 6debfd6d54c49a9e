package dev.finetune.engine.data;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec.ColumnRef;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.FinetuneSpec.SplitSpec;
import dev.finetune.spec.Suggestions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Loads the spec's dataset into train/validation/test splits: numeric features, one label column whose distinct
 * values become the classes (numerically sorted when all are numbers). Splitting by ratios is seeded and, by
 * default, stratified per class, so the same spec always yields the same splits.
 */
public final class CsvDatasetLoader {

    private final Function<String, Path> resolver;

    /** Where numeric files are parsed to ({@link CsvRowCache}); without one, they are read whole into memory. */
    private final Optional<Path> cacheDir;

    /** @param resolver turns a path written in the spec into a file (relative to the project) */
    public CsvDatasetLoader(Function<String, Path> resolver) {
        this(resolver, Optional.empty());
    }

    /**
     * @param cacheDir where numeric CSV files are parsed to once and read from by row index
     *                 ({@link dev.finetune.engine.layout.OutputFiles#DATA_CACHE_DIR}); text datasets are read whole
     */
    public CsvDatasetLoader(Function<String, Path> resolver, Optional<Path> cacheDir) {
        this.resolver = resolver;
        this.cacheDir = cacheDir;
    }

    /**
     * Numeric data through the row cache: each file parsed (or found parsed), problems raised in the order the
     * whole-file reader raises them (every file's structure, then label columns, then the classes, then the cells),
     * rows left in their row files.
     */
    private SplitData loadStored(DatasetSpec spec, CsvRowCache cache) {
        List<String> paths = spec.files().isPresent()
                ? List.of(spec.files().get().train(), spec.files().get().validation(), spec.files().get().test())
                : List.of(spec.path().orElseThrow());
        List<CsvRowCache.Parsed> parsed = new ArrayList<>();
        for (String path : paths) {
            parsed.add(cache.parse(resolver.apply(path), spec));
            if (parsed.get(parsed.size() - 1).structureError().isPresent()) {
                throw new UserInputException(parsed.get(parsed.size() - 1).structureError().get());
            }
        }
        for (CsvRowCache.Parsed p : parsed) {
            if (p.labelError().isPresent()) {
                throw new UserInputException(p.labelError().get());
            }
        }
        List<String> names = new ArrayList<>();
        parsed.forEach(p -> names.addAll(p.classes()));
        CsvRowCache.Parsed first = parsed.get(0);
        List<String> classes = classNames(names, parsed.stream().mapToInt(CsvRowCache.Parsed::dataRows).sum(), first.file(),
                first::labelColumnName);
        String[] splits = {"train", "validation", "test"};
        List<LabeledRows> rows = new ArrayList<>();
        for (int i = 0; i < parsed.size(); i++) {
            CsvRowCache.Parsed p = parsed.get(i);
            if (!p.cellProblems().isEmpty()) {
                throw new UserInputException(String.join("\n", p.cellProblems()));
            }
            rows.add(stored(p, classes, parsed.size() == 1 ? "all" : splits[i]));
            if (i == 0 && parsed.size() > 1) {
                requireEveryClassIn(rows.get(0), classes);
            }
        }
        if (rows.size() == 1) {
            return split(rows.get(0), classes, spec.split());
        }
        return new SplitData(classes, rows.get(0), rows.get(1), rows.get(2));
    }

    /** A parsed file's rows, labels indexing {@code classes}; features stay in the row file. */
    private static LabeledRows stored(CsvRowCache.Parsed parsed, List<String> classes, String name) {
        RowFile file = parsed.rows().orElseThrow();
        int[] toGlobal = parsed.classes().stream().mapToInt(classes::indexOf).toArray();
        int[] labels = file.labels();
        for (int i = 0; i < labels.length; i++) {
            labels[i] = toGlobal[labels[i]];
        }
        int[] positions = new int[file.rowCount()];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
        }
        return new LabeledRows(parsed.file().getFileName() + (name.equals("all") ? "" : " (" + name + ")"),
                new RowFeatures.Stored(file, positions), labels, file.lines(), Optional.empty());
    }

    public SplitData load(DatasetSpec spec) {
        if (cacheDir.isPresent() && spec.textColumn().isEmpty()) {
            return loadStored(spec, new CsvRowCache(cacheDir.get()));
        }
        if (spec.files().isPresent()) {
            var files = spec.files().get();
            CsvTable train = read(spec, files.train());
            CsvTable validation = read(spec, files.validation());
            CsvTable test = read(spec, files.test());
            List<String> classes = classes(List.of(train, validation, test), spec);
            LabeledRows trainRows = rows(train, spec, classes, "train");
            requireEveryClassIn(trainRows, classes);
            return new SplitData(classes, trainRows, rows(validation, spec, classes, "validation"), rows(test, spec, classes, "test"));
        }
        CsvTable table = read(spec, spec.path().orElseThrow());
        List<String> classes = classes(List.of(table), spec);
        LabeledRows all = rows(table, spec, classes, "all");
        return split(all, classes, spec.split());
    }

    /**
     * One CSV read whole, unsplit (e.g. a base's original test data): its classes, sorted as {@link #load} sorts
     * them, and every row.
     */
    public Whole loadWhole(DatasetSpec spec) {
        CsvTable table = read(spec, spec.path().orElseThrow());
        List<String> classes = classes(List.of(table), spec);
        return new Whole(classes, rows(table, spec, classes, "all"));
    }

    /** A file's classes and rows, labels indexing {@code classes}. */
    public record Whole(List<String> classes, LabeledRows rows) {
    }

    private CsvTable read(DatasetSpec spec, String path) {
        return CsvTable.read(resolver.apply(path), spec.header(), spec.delimiter());
    }

    static SplitData split(LabeledRows all, List<String> classes, SplitSpec split) {
        Random random = new Random(split.seed());
        // rows by class (or all rows as one group), in file order; int arrays: millions of rows split in little memory
        int groupCount = split.stratify() ? classes.size() : 1;
        int[] sizes = new int[groupCount];
        for (int label : all.labels()) {
            sizes[split.stratify() ? label : 0]++;
        }
        int[][] groups = new int[groupCount][];
        for (int g = 0; g < groupCount; g++) {
            groups[g] = new int[sizes[g]];
        }
        int[] filled = new int[groupCount];
        for (int i = 0; i < all.size(); i++) {
            int g = split.stratify() ? all.labels()[i] : 0;
            groups[g][filled[g]++] = i;
        }
        IntList train = new IntList();
        IntList validation = new IntList();
        IntList test = new IntList();
        List<String> untrainable = new ArrayList<>();
        for (int[] group : groups) {
            Batches.shuffle(group, random);
            int n = group.length;
            int nTrain = (int) Math.round(n * split.train());
            if (split.stratify() && n > 0 && nTrain == 0) {
                untrainable.add(all.source() + ": class `" + classes.get(all.labels()[group[0]]) + "` has " + n
                        + (n == 1 ? " example" : " examples") + ": split " + ratio(split.train()) + " / "
                        + ratio(split.validation()) + " / " + ratio(split.test()) + " by class (stratified) leaves it none"
                        + " to train on; add examples of it, or raise `dataset.split.train`");
            }
            int nValidation = (int) Math.round(n * split.validation());
            nValidation = Math.min(nValidation, n - nTrain);
            train.addAll(group, 0, nTrain);
            validation.addAll(group, nTrain, nTrain + nValidation);
            test.addAll(group, nTrain + nValidation, n);
        }
        if (!untrainable.isEmpty()) {
            throw new UserInputException(String.join("\n", untrainable));
        }
        for (var named : List.of(Map.entry("train", train), Map.entry("validation", validation), Map.entry("test", test))) {
            if (named.getValue().size() == 0) {
                throw new UserInputException(all.source() + ": the " + named.getKey() + " split is empty with " + all.size()
                        + " rows; raise `dataset.split." + named.getKey() + "` or add data");
            }
        }
        // keep file order inside each split: makes splits easy to inspect and independent of grouping
        return new SplitData(classes, all.select("train", train.sorted()), all.select("validation", validation.sorted()),
                all.select("test", test.sorted()));
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] values = new int[16];
        private int size;

        int size() {
            return size;
        }

        void addAll(int[] from, int start, int end) {
            int n = end - start;
            if (size + n > values.length) {
                values = java.util.Arrays.copyOf(values, Math.max(values.length * 2, size + n));
            }
            System.arraycopy(from, start, values, size, n);
            size += n;
        }

        int[] sorted() {
            int[] out = java.util.Arrays.copyOf(values, size);
            java.util.Arrays.sort(out);
            return out;
        }
    }

    private static String ratio(double value) {
        return java.math.BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    /**
     * Labels that look like measurements rather than classes: fractional numbers, most of them distinct. Below this
     * many distinct values a numeric label is taken as a class code, whatever it looks like.
     */
    private static final int CONTINUOUS_MIN_DISTINCT = 20;

    private static int labelIndex(CsvTable table, ColumnRef ref) {
        return columnIndex(table, ref, "dataset.labelColumn");
    }

    private static int columnIndex(CsvTable table, ColumnRef ref, String key) {
        int columns = table.header().map(List::size).orElse(table.cells().get(0).size());
        if (ref.name().isPresent()) {
            List<String> header = table.header().orElseThrow();
            int at = header.indexOf(ref.name().get());
            if (at < 0) {
                String hint = Suggestions.closest(ref.name().get(), header).map(h -> "; did you mean `" + h + "`?").orElse("");
                throw new UserInputException(table.file() + ": row 1: no column named `" + ref.name().get()
                        + "` for `" + key + "`; the header has: " + String.join(", ", header) + hint);
            }
            return at;
        }
        int index = ref.index().orElseThrow();
        int resolved = index < 0 ? columns + index : index;
        if (resolved < 0 || resolved >= columns) {
            throw new UserInputException(table.file() + ": `" + key + "` is " + index + " but rows have "
                    + columns + " columns (valid: 0.." + (columns - 1) + " or -1..-" + columns + ")");
        }
        return resolved;
    }

    private static List<String> classes(List<CsvTable> tables, DatasetSpec spec) {
        TreeSet<String> names = new TreeSet<>();
        for (CsvTable table : tables) {
            int label = labelIndex(table, spec.labelColumn());
            for (int r = 0; r < table.cells().size(); r++) {
                List<String> row = table.cells().get(r);
                if (label < row.size() && !row.get(label).isBlank()) {
                    names.add(labelOf(row.get(label)));
                }
            }
        }
        int rows = tables.stream().mapToInt(t -> t.cells().size()).sum();
        CsvTable first = tables.get(0);
        return classNames(names, rows, first.file(), () -> columnName(first, labelIndex(first, spec.labelColumn())));
    }

    /**
     * The classes of label values already read as class names ({@link #labelOf}): sorted (numerically when all are
     * numbers), refused when they look continuous or are fewer than 2.
     *
     * @param rows        data rows in all files
     * @param first       the first file, which messages name
     * @param labelColumn the label column as messages name it
     */
    static List<String> classNames(java.util.Collection<String> names, int rows, Path first,
                                   java.util.function.Supplier<String> labelColumn) {
        List<String> sorted = new ArrayList<>(new TreeSet<>(names));
        if (sorted.stream().allMatch(CsvDatasetLoader::isNumber)) {
            sorted.sort(Comparator.comparingDouble(Double::parseDouble));
        }
        boolean fractions = sorted.stream().anyMatch(v -> isNumber(v) && v.contains("."));
        if (fractions && sorted.stream().allMatch(CsvDatasetLoader::isNumber)
                && sorted.size() > CONTINUOUS_MIN_DISTINCT && sorted.size() * 2 > rows) {
            throw new UserInputException(first + ": the label column (" + labelColumn.get()
                    + ") holds " + sorted.size() + " distinct numbers in " + rows + " rows (e.g. "
                    + String.join(", ", sorted.subList(0, 3)) + "): these look like continuous values (a regression"
                    + " target), but this plugin trains classifiers, whose labels are classes; bin the values into classes,"
                    + " or point `dataset.labelColumn` at the class column");
        }
        if (sorted.size() < 2) {
            throw new UserInputException(first + ": the label column holds " + sorted.size()
                    + " distinct value(s) " + sorted + "; a classifier needs at least 2 classes");
        }
        return List.copyOf(sorted);
    }

    private static LabeledRows rows(CsvTable table, DatasetSpec spec, List<String> classes, String name) {
        int label = labelIndex(table, spec.labelColumn());
        int columns = table.header().map(List::size).orElse(table.cells().get(0).size());
        Map<String, Integer> classIndex = new LinkedHashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            classIndex.put(classes.get(i), i);
        }
        int n = table.cells().size();
        if (spec.textColumn().isPresent()) {
            return textRows(table, label, columnIndex(table, spec.textColumn().get(), "dataset.textColumn"), classIndex, name);
        }
        float[][] features = new float[n][columns - 1];
        int[] labels = new int[n];
        int[] rows = new int[n];
        CsvCells.Problems problems = new CsvCells.Problems(table.file());
        for (int r = 0; r < n; r++) {
            int line = table.lineNumbers().get(r);
            CsvCells.Row read = CsvCells.numeric(table.cells().get(r), label, features[r], line, c -> columnName(table, c),
                    problems);
            if (read.label().isPresent()) {
                labels[r] = classIndex.get(read.label().get());
            }
            rows[r] = line;
        }
        if (!problems.isEmpty()) {
            throw new UserInputException(String.join("\n", problems.messages()));
        }
        return new LabeledRows(table.file().getFileName() + (name.equals("all") ? "" : " (" + name + ")"), features, labels, rows);
    }

    /** A text dataset's rows: the label and the text column; the text is the example, other columns are not read. */
    private static LabeledRows textRows(CsvTable table, int label, int text, Map<String, Integer> classIndex, String name) {
        int n = table.cells().size();
        int[] labels = new int[n];
        int[] rows = new int[n];
        String[] texts = new String[n];
        CsvCells.Problems problems = new CsvCells.Problems(table.file());
        for (int r = 0; r < n; r++) {
            List<String> row = table.cells().get(r);
            int line = table.lineNumbers().get(r);
            Optional<String> classOf = CsvCells.label(row, label, line, c -> columnName(table, c), problems);
            if (classOf.isPresent()) {
                labels[r] = classIndex.get(classOf.get());
            }
            texts[r] = row.get(text);
            rows[r] = line;
        }
        if (!problems.isEmpty()) {
            throw new UserInputException(String.join("\n", problems.messages()));
        }
        return new LabeledRows(table.file().getFileName() + (name.equals("all") ? "" : " (" + name + ")"), new float[n][0],
                labels, rows, Optional.of(texts));
    }

    private static String columnName(CsvTable table, int c) {
        return "column " + (c + 1) + table.header().map(h -> " (`" + h.get(c) + "`)").orElse("");
    }

    private static void requireEveryClassIn(LabeledRows train, List<String> classes) {
        boolean[] seen = new boolean[classes.size()];
        for (int label : train.labels()) {
            seen[label] = true;
        }
        for (int c = 0; c < seen.length; c++) {
            if (!seen[c]) {
                throw new UserInputException(train.source() + ": class `" + classes.get(c)
                        + "` appears in the validation or test file but never in the training file");
            }
        }
    }

    /**
     * A label cell as a class name: trimmed, and a number in its shortest form, so `1`, `1.0` and `01` are one
     * class, not three.
     */
    static String labelOf(String cell) {
        String trimmed = cell.trim();
        if (isNumber(trimmed) && !trimmed.toLowerCase(java.util.Locale.ROOT).matches(".*(nan|inf).*")) {
            try {
                return new java.math.BigDecimal(trimmed).stripTrailingZeros().toPlainString();
            } catch (NumberFormatException e) {
                return trimmed; // hexadecimal floats and the like: kept as written
            }
        }
        return trimmed;
    }

    static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
