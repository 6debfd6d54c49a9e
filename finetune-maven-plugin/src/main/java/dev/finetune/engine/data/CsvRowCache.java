package dev.finetune.engine.data;

import dev.finetune.engine.DiskFaults;
import dev.finetune.engine.UserInputException;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.engine.layout.OutputFiles;
import dev.finetune.spec.FinetuneSpec.ColumnRef;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;
import dev.finetune.spec.Suggestions;
import org.datavec.api.records.reader.impl.csv.SerializableCSVParser;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A numeric CSV file parsed once, streaming, into a {@link RowFile} under the output directory
 * ({@code OutputFiles.dataCache}), keyed by the SHA-256 of the file's bytes and the settings that decide how it parses
 * (header, delimiter, label column). Validation in Maven's JVM writes it; the training and evaluation JVMs find it
 * and read features by row index instead of parsing strings again. Rows are never all held as strings: one row at a
 * time is parsed, checked and appended; only labels and line numbers (8 bytes a row) stay in memory.
 *
 * <p>A file with any problem gets no row file: its problems are reported (with the same messages as the whole-file
 * reader, {@link CsvTable} and {@link CsvDatasetLoader}) and it is parsed again next time.
 */
final class CsvRowCache {

    /** Part of the key: a change to how rows parse or are stored must not reuse older files. */
    private static final String FORMAT = "csv-rows-1";

    private final Path cacheDir;

    CsvRowCache(Path cacheDir) {
        this.cacheDir = cacheDir;
    }

    /**
     * One file as parsed: problems of its structure (stop everything), of its label column, of its cells; and its
     * classes and rows when clean. Messages are ordered as the whole-file reader raised them: every file's structure
     * first, then label columns, then the classes over all files, then cells.
     *
     * @param classes         the label values as class names ({@link CsvDatasetLoader#labelOf}), in first-seen order;
     *                        the row file's labels index this list
     * @param dataRows        rows with data, bad cells or not
     * @param labelColumnName the label column as messages name it, e.g. "column 3 (`label`)"
     */
    record Parsed(Path file, Optional<String> structureError, Optional<String> labelError, List<String> cellProblems,
                  List<String> classes, int dataRows, String labelColumnName, Optional<RowFile> rows) {
    }

    Parsed parse(Path file, DatasetSpec spec) {
        if (!Files.isRegularFile(file)) {
            return failed(file, file + ": dataset file not found");
        }
        Path cached;
        try {
            // the constant, not OutputFiles.dataCache(): javac inlines it, so engine.data gains no dependency on
            // engine.layout (which depends on engine.report, which depends on engine.data)
            cached = cacheDir.resolve(key(file, spec) + OutputFiles.DATA_CACHE_SUFFIX);
        } catch (IOException e) {
            return failed(file, file + ": cannot read dataset: " + e.getMessage());
        }
        if (Files.isRegularFile(cached)) {
            try {
                RowFile rows = RowFile.open(cached);
                List<String> trailer = rows.trailer();
                return new Parsed(file, Optional.empty(), Optional.empty(), List.of(), trailer.subList(1, trailer.size()),
                        rows.rowCount(), trailer.get(0), Optional.of(rows));
            } catch (IOException | RuntimeException e) {
                // unreadable (e.g. from an older version): parse again and replace it
            }
        }
        try {
            CsvTable.notCompressed(file);
            return new Pass(file, spec).run(cached);
        } catch (UserInputException e) {
            return failed(file, e.getMessage());
        }
    }

    private static Parsed failed(Path file, String message) {
        return new Parsed(file, Optional.of(message), Optional.empty(), List.of(), List.of(), 0, "", Optional.empty());
    }

    /** The file's content hash and the settings that decide its parse: equal keys, equal rows. */
    static String key(Path file, DatasetSpec spec) throws IOException {
        String settings = FORMAT + "\n" + Fingerprint.sha256(file) + "\n" + spec.header() + "\n" + (int) spec.delimiter()
                + "\n" + spec.labelColumn().name().orElse("") + "\n" + spec.labelColumn().index().map(String::valueOf).orElse("");
        return java.util.HexFormat.of().formatHex(Fingerprint.newDigest().digest(settings.getBytes(StandardCharsets.UTF_8)));
    }

    /** One streaming pass over a file. */
    private static final class Pass {
        private final Path file;
        private final DatasetSpec spec;
        private Optional<List<String>> header = Optional.empty();
        private int columns = -1;
        private int label = -1;
        private Optional<String> labelError = Optional.empty();
        private final CsvCells.Problems problems;
        private final Map<String, Integer> classes = new LinkedHashMap<>();
        private int dataRows;
        private int firstDataLine;
        private RowFile.Writer writer;
        private float[] features;

        Pass(Path file, DatasetSpec spec) {
            this.file = file;
            this.spec = spec;
            this.problems = new CsvCells.Problems(file);
        }

        Parsed run(Path target) {
            char delimiter = spec.delimiter();
            // DataVec's CSV parser (as its CSVRecordReader uses it: a record per line) for lines with quotes or
            // backslashes; the others are split at the delimiter, which is what that parser makes of them, faster
            SerializableCSVParser parser = new SerializableCSVParser(delimiter, '"');
            try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                int line = 0;
                for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                    line++;
                    List<String> row = text.indexOf('"') < 0 && text.indexOf('\\') < 0 ? split(text, delimiter)
                            : quoted(parser, text);
                    if (line == 1 && !row.isEmpty() && row.get(0).startsWith("\uFEFF")) {
                        // a UTF-8 byte-order mark (Excel writes one) is not part of the first cell
                        row.set(0, row.get(0).substring(1));
                    }
                    if (row.size() == 1 && row.get(0).isBlank()) {
                        continue;
                    }
                    if (spec.header() && header.isEmpty()) {
                        header = Optional.of(row.stream().map(String::trim).toList());
                        continue;
                    }
                    Optional<String> structure = row(row, line, target);
                    if (structure.isPresent()) {
                        return failed(file, structure.get());
                    }
                }
            } catch (IOException e) {
                closeWriter();
                return failed(file, file + ": cannot read dataset: " + e.getMessage());
            } catch (UncheckedIOException e) {
                closeWriter();
                return failed(file, file + ": cannot write its parsed rows: " + DiskFaults.describe(e, target.getParent())
                        .orElse("under " + target.getParent() + ": " + e.getMessage()));
            } catch (RuntimeException e) {
                closeWriter();
                // DataVec says only that a quote is unterminated at the end of some line: find the line and column
                return failed(file, CsvTable.unclosedQuote(file, delimiter).orElse(file + ": not a readable CSV file: " + e.getMessage()));
            }
            if (dataRows == 0) {
                closeWriter();
                return failed(file, file + ": dataset has no data rows");
            }
            String labelName = labelError.isPresent() ? "" : columnName(label);
            Optional<RowFile> rows = Optional.empty();
            if (labelError.isEmpty() && problems.isEmpty()) {
                try {
                    List<String> trailer = new ArrayList<>();
                    trailer.add(labelName);
                    trailer.addAll(classes.keySet());
                    writer.finish(trailer);
                    rows = Optional.of(RowFile.open(target));
                } catch (IOException e) {
                    closeWriter();
                    return failed(file, file + ": cannot write its parsed rows: " + DiskFaults.describe(e, target.getParent())
                            .orElse("to " + target + ": " + e.getMessage()));
                }
            } else {
                closeWriter();
            }
            return new Parsed(file, Optional.empty(), labelError, problems.messages(), List.copyOf(classes.keySet()),
                    dataRows, labelName, rows);
        }

        private static List<String> split(String text, char delimiter) {
            List<String> cells = new ArrayList<>();
            int start = 0;
            for (int i = text.indexOf(delimiter); i >= 0; i = text.indexOf(delimiter, start)) {
                cells.add(text.substring(start, i));
                start = i + 1;
            }
            cells.add(text.substring(start));
            return cells;
        }

        /** A line with quotes, as DataVec's CSVRecordReader parses it; an unterminated quote throws, as there. */
        private static List<String> quoted(SerializableCSVParser parser, String text) {
            try {
                return new ArrayList<>(List.of(parser.parseLine(text)));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        private void closeWriter() {
            if (writer != null) {
                try {
                    writer.close();
                } catch (IOException e) {
                    // flushing failed (a full disk): the writer has deleted its temporary file regardless
                }
            }
        }

        /** Checks and stores one data row; a structure problem (which stops the pass) as the result. */
        private Optional<String> row(List<String> row, int line, Path target) {
            if (columns < 0) {
                firstDataLine = line;
                columns = header.map(List::size).orElse(row.size());
                if (columns == 1) {
                    char delimiter = spec.delimiter();
                    return Optional.of(file + ": row " + (header.isPresent() ? 1 : line) + ": one column only with the"
                            + " delimiter `" + (delimiter == '\t' ? "\\t" : String.valueOf(delimiter)) + "`"
                            + CsvTable.otherDelimiter(header.orElse(row).get(0), delimiter)
                                    .orElse(": a dataset needs feature columns and a label column"));
                }
                try {
                    label = labelIndex(spec.labelColumn());
                } catch (UserInputException e) {
                    labelError = Optional.of(e.getMessage());
                }
                features = new float[columns - 1];
                try {
                    writer = new RowFile.Writer(target, columns - 1);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            if (row.size() != columns) {
                closeWriter();
                return Optional.of(file + ": row " + line + ": expected " + columns + " columns"
                        + (header.isPresent() ? " (as in the header)" : " (as in row " + firstDataLine + ")")
                        + ", found " + row.size());
            }
            dataRows++;
            if (labelError.isPresent()) {
                return Optional.empty(); // cells are not checked against a label column that does not exist
            }
            CsvCells.Row read = CsvCells.numeric(row, label, features, line, this::columnName, problems);
            int classIndex = read.label().map(name -> classes.computeIfAbsent(name, k -> classes.size())).orElse(-1);
            if (read.clean() && problems.isEmpty()) {
                try {
                    writer.add(features, 0, classIndex, line);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return Optional.empty();
        }

        private int labelIndex(ColumnRef ref) {
            String key = "dataset.labelColumn";
            if (ref.name().isPresent()) {
                if (header.isEmpty()) {
                    throw new UserInputException(file + ": `" + key + "` names the column `" + ref.name().get()
                            + "`, but `dataset.header` is false, so columns have no names; give its index instead");
                }
                List<String> names = header.get();
                int at = names.indexOf(ref.name().get());
                if (at < 0) {
                    String hint = Suggestions.closest(ref.name().get(), names).map(h -> "; did you mean `" + h + "`?").orElse("");
                    throw new UserInputException(file + ": row 1: no column named `" + ref.name().get()
                            + "` for `" + key + "`; the header has: " + String.join(", ", names) + hint);
                }
                return at;
            }
            int index = ref.index().orElseThrow();
            int resolved = index < 0 ? columns + index : index;
            if (resolved < 0 || resolved >= columns) {
                throw new UserInputException(file + ": `" + key + "` is " + index + " but rows have "
                        + columns + " columns (valid: 0.." + (columns - 1) + " or -1..-" + columns + ")");
            }
            return resolved;
        }

        private String columnName(int c) {
            return "column " + (c + 1) + header.map(h -> " (`" + h.get(c) + "`)").orElse("");
        }
    }
}
