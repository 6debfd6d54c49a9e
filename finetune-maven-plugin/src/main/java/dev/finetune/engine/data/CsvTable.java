package dev.finetune.engine.data;

import dev.finetune.engine.UserInputException;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.writable.Writable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A CSV file read with DataVec: optional header, string cells, each row with its line number; rows all equally wide. */
record CsvTable(Path file, Optional<List<String>> header, List<List<String>> cells, List<Integer> lineNumbers) {

    /**
     * A compressed file read as text gives a parse error about quotes or columns somewhere in the binary: say what the
     * file is instead, from its first bytes.
     */
    static void notCompressed(Path file) {
        byte[] head;
        try (var in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read dataset: " + e.getMessage(), e);
        }
        String kind = head.length >= 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b ? "gzip"
                : head.length >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4 ? "zip"
                : head.length >= 3 && head[0] == 'B' && head[1] == 'Z' && head[2] == 'h' ? "bzip2"
                : head.length >= 4 && (head[0] & 0xff) == 0x28 && (head[1] & 0xff) == 0xb5 && (head[2] & 0xff) == 0x2f
                        && (head[3] & 0xff) == 0xfd ? "zstd" : null;
        if (kind != null) {
            throw new UserInputException(file + ": is a " + kind + " archive, not CSV text; decompress it and point the spec"
                    + " at the .csv inside");
        }
    }

    /** For a row read as one cell: the delimiter it seems to use instead, as the rest of the message. */
    static Optional<String> otherDelimiter(String cell, char delimiter) {
        for (char other : new char[]{'\t', ';', ',', '|'}) {
            if (other != delimiter && cell.indexOf(other) >= 0) {
                String name = other == '\t' ? "tabs" : "`" + other + "`";
                String value = other == '\t' ? "\"\\t\"" : "\"" + other + "\"";
                String kind = other == '\t' ? "tab" : other == ';' ? "semicolon" : other == ',' ? "comma" : "pipe";
                return Optional.of(", but the row contains " + name + ": the file looks " + kind + "-separated; set"
                        + " `dataset.delimiter: " + value + "`");
            }
        }
        return Optional.empty();
    }

    /**
     * The first field whose opening quote is not closed on its line (DataVec reads a record per line), as a located
     * message; empty when every quote is closed.
     */
    static Optional<String> unclosedQuote(Path file, char delimiter) {
        // streamed line by line: the file may be larger than the heap
        try (java.io.BufferedReader lines = Files.newBufferedReader(file)) {
            int l = 0;
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                l++;
                Optional<Integer> opened = unclosedIn(line, delimiter);
                if (opened.isPresent()) {
                    return Optional.of(file + ": row " + l + ", column " + opened.get()
                            + ": a quoted field opens here and is never closed");
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The 1-based field of {@code line} whose opening quote is never closed, if any. */
    private static Optional<Integer> unclosedIn(String line, char delimiter) {
        boolean quoted = false;
        boolean fieldStart = true;
        int field = 1;
        int openedIn = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    i++; // an escaped quote inside the field
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == delimiter) {
                field++;
                fieldStart = true;
                continue;
            } else if (c == '"' && fieldStart) {
                quoted = true;
                openedIn = field;
            }
            fieldStart = false;
        }
        return quoted ? Optional.of(openedIn) : Optional.empty();
    }

    static CsvTable read(Path file, boolean hasHeader, char delimiter) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": dataset file not found");
        }
        notCompressed(file);
        List<List<String>> cells = new ArrayList<>();
        List<Integer> lines = new ArrayList<>();
        Optional<List<String>> header = Optional.empty();
        try (CSVRecordReader reader = new CSVRecordReader(0, delimiter)) {
            reader.initialize(new FileSplit(file.toFile()));
            int line = 0;
            while (reader.hasNext()) {
                line++;
                List<String> row = reader.next().stream().map(Writable::toString).toList();
                if (line == 1 && !row.isEmpty() && row.get(0).startsWith("\uFEFF")) {
                    // a UTF-8 byte-order mark (Excel writes one) is not part of the first cell
                    row = new ArrayList<>(row);
                    row.set(0, row.get(0).substring(1));
                }
                if (row.size() == 1 && row.get(0).isBlank()) {
                    continue;
                }
                if (hasHeader && header.isEmpty()) {
                    header = Optional.of(row.stream().map(String::trim).toList());
                    continue;
                }
                cells.add(row);
                lines.add(line);
            }
        } catch (IOException | InterruptedException e) {
            throw new UserInputException(file + ": cannot read dataset: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // DataVec says only that a quote is unterminated at the end of some line: find the line and column
            throw new UserInputException(unclosedQuote(file, delimiter)
                    .orElse(file + ": not a readable CSV file: " + e.getMessage()), e);
        }
        if (cells.isEmpty()) {
            throw new UserInputException(file + ": dataset has no data rows");
        }
        int columns = header.map(List::size).orElse(cells.get(0).size());
        if (columns == 1) {
            throw new UserInputException(file + ": row " + (header.isPresent() ? 1 : lines.get(0)) + ": one column only with the"
                    + " delimiter `" + (delimiter == '\t' ? "\\t" : String.valueOf(delimiter)) + "`"
                    + otherDelimiter(header.orElse(cells.get(0)).get(0), delimiter)
                            .orElse(": a dataset needs feature columns and a label column"));
        }
        for (int r = 0; r < cells.size(); r++) {
            if (cells.get(r).size() != columns) {
                throw new UserInputException(file + ": row " + lines.get(r) + ": expected " + columns + " columns"
                        + (header.isPresent() ? " (as in the header)" : " (as in row " + lines.get(0) + ")")
                        + ", found " + cells.get(r).size());
            }
        }
        return new CsvTable(file, header, cells, lines);
    }
}
