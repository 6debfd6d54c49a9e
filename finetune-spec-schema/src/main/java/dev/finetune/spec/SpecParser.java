package dev.finetune.spec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Reads {@code finetune.yaml} into a {@link FinetuneSpec}.
 *
 * <p>Three steps, every problem reported with its position and all at once: safe YAML 1.2 reading
 * ({@link YamlTree}: no tag constructs a Java object, aliases and size are capped, and {@code freeze: no} stays the
 * string "no" rather than becoming false as under YAML 1.1); validation against the published JSON Schema
 * ({@link SpecSchema}); binding to records with the checks a schema cannot express ({@link SpecBinder}).
 */
public final class SpecParser {

    /** Specs are small; anything larger is a mistake or an attack. */
    public static final int MAX_SPEC_BYTES = 256 * 1024;

    private final boolean allowPathsOutsideProject;

    /** A parser that refuses paths leaving the project. */
    public SpecParser() {
        this(false);
    }

    /**
     * @param allowPathsOutsideProject allow absolute paths and {@code ..}: set from the POM or the command line only,
     *                                 never from the spec, which a pull request can edit
     */
    public SpecParser(boolean allowPathsOutsideProject) {
        this.allowPathsOutsideProject = allowPathsOutsideProject;
    }

    public FinetuneSpec parse(Path file) throws SpecException {
        return parse(file, file.getFileName() == null ? file.toString() : file.getFileName().toString());
    }

    /** @param name how messages name the file, e.g. its path relative to the project */
    public FinetuneSpec parse(Path file, String name) throws SpecException {
        String text;
        try {
            long size = Files.size(file);
            if (size > MAX_SPEC_BYTES) {
                throw single(name, "spec is " + size + " bytes; at most " + MAX_SPEC_BYTES + " are allowed");
            }
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw single(name, "spec file not found (set -Dfinetune.spec=PATH to use another)");
        } catch (java.nio.charset.MalformedInputException e) {
            throw single(name, "the spec is not UTF-8 text" + encodingHint(file) + "; save it as UTF-8");
        } catch (IOException e) {
            throw single(name, "cannot read spec: " + e.getMessage());
        }
        return parse(name, text);
    }

    public FinetuneSpec parse(String fileName, String text) throws SpecException {
        Problems problems = new Problems(fileName);
        Optional<LocatedTree> tree = YamlTree.read(problems, text, MAX_SPEC_BYTES);
        // a tree comes back with problems only when nothing was lost (duplicate keys): check it all the same
        if (tree.isPresent()) {
            if (!tree.get().root().isObject()) {
                problems.add(tree.get().valueAt(""), "a spec must be a mapping of keys to values, found "
                        + YamlTree.describe(tree.get().root()));
            } else {
                SpecSchema.get().validate(tree.get(), problems);
                SpecSchema.get().checkIntegerLiterals(tree.get(), problems);
                // the binder's own checks run on invalid trees too, so every problem shows at once
                FinetuneSpec spec = new SpecBinder(tree.get(), problems, allowPathsOutsideProject).bind();
                if (problems.isEmpty()) {
                    return spec;
                }
            }
        }
        throw new SpecException(problems.all());
    }

    /** What a byte-order mark says the file is, when it has one. */
    private static String encodingHint(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] b = in.readNBytes(2);
            if (b.length == 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe) {
                return " (it starts with the byte-order mark of UTF-16 little-endian)";
            }
            if (b.length == 2 && (b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff) {
                return " (it starts with the byte-order mark of UTF-16 big-endian)";
            }
        } catch (IOException e) {
            // the hint is optional
        }
        return "";
    }

    private static SpecException single(String file, String message) {
        return new SpecException(List.of(new SpecProblem(new Location(file, 1, 1), message)));
    }
}
