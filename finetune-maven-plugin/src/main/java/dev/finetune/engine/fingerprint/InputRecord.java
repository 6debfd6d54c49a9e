package dev.finetune.engine.fingerprint;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a completed step ran on, written as its marker file: the full fingerprint (of the parsed spec and inputs) and
 * the raw inputs it came from — the spec file's bytes, the base and data files, the tool settings — each with its
 * SHA-256. Re-hashing the raw inputs tells a no-op build apart without parsing the spec or loading the YAML and schema
 * libraries: equal raw inputs give an equal fingerprint. When they differ the caller falls back to the full
 * fingerprint, so a reformatted but equivalent spec still counts as unchanged.
 *
 * <p>Format: the fingerprint on the first line, then one {@code KIND SHA256 REFERENCE} line per input, where KIND is
 * {@code settings}, {@code spec} (the spec file, relative to the project), {@code file} (another file, relative to the
 * project) or {@code artifact} (Maven coordinates).
 *
 * @param fingerprint the full fingerprint (see {@link Fingerprint})
 * @param inputs      the raw inputs
 */
public record InputRecord(String fingerprint, List<Input> inputs) {

    public enum Kind { settings, spec, file, artifact }

    public record Input(Kind kind, String sha256, String reference) {
    }

    public String format() {
        StringBuilder text = new StringBuilder(fingerprint).append('\n');
        inputs.forEach(i -> text.append(i.kind()).append(' ').append(i.sha256()).append(' ').append(i.reference()).append('\n'));
        return text.toString();
    }

    /** The record in {@code text}; empty when it is not one (e.g. a marker of an older plugin version). */
    public static Optional<InputRecord> parse(String text) {
        List<String> lines = text.lines().toList();
        if (lines.isEmpty() || !lines.get(0).matches("[0-9a-f]{64}")) {
            return Optional.empty();
        }
        List<Input> inputs = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] parts = line.split(" ", 3);
            if (parts.length != 3) {
                return Optional.empty();
            }
            try {
                inputs.add(new Input(Kind.valueOf(parts[0]), parts[1], parts[2]));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }
        // without its settings a record proves nothing: such a marker counts as "not known to be up to date"
        if (inputs.stream().noneMatch(i -> i.kind() == Kind.settings) || inputs.stream().noneMatch(i -> i.kind() == Kind.spec)) {
            return Optional.empty();
        }
        return Optional.of(new InputRecord(lines.get(0), List.copyOf(inputs)));
    }
}
