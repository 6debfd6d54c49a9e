package dev.finetune.engine.data;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.fingerprint.Fingerprint;
import dev.finetune.spec.FinetuneSpec.DatasetSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * The images of an image dataset, listed and checked in plain Java (no ND4J, no native code, so in Maven's JVM): the
 * usual layout of one sub-folder per class, directly holding PNG or JPEG files. Reports every file outside a class
 * folder, every empty class folder and every file that is no readable image (see {@link ImageHeader}), by path, all
 * in one run; splits the images (seeded, stratified, as for CSV rows) and counts images whose content is in more
 * than one split. Names starting with a dot (.DS_Store, .git) are hidden files and skipped.
 */
final class ImageFolder {

    /** One image: its file, its path as messages show it (relative to the project), its class and content hash. */
    record Image(Path file, String display, int label, String sha256) {
    }

    /**
     * What scanning found.
     *
     * @param counts images whose content repeats an earlier image's, and distinct images in more than one split
     */
    record Listing(List<String> classes, List<Image> train, List<Image> validation, List<Image> test, List<String> problems,
                   List<String> warnings, DataCounts counts) {

        /** Images whose content also appears in another split (counted once per distinct content). */
        int duplicates() {
            return counts.duplicatesAcrossSplits().count();
        }
    }

    private final DatasetSpec spec;
    private final Function<String, Path> resolver;

    ImageFolder(DatasetSpec spec, Function<String, Path> resolver) {
        this.spec = spec;
        this.resolver = resolver;
    }

    /** Scans, checks and splits; problems are listed, not thrown, except a split left empty by its ratios. */
    Listing scan() {
        List<String> problems = new ArrayList<>();
        Map<String, String> roots = new LinkedHashMap<>();
        spec.path().ifPresent(p -> roots.put("all", p));
        spec.files().ifPresent(f -> {
            roots.put("train", f.train());
            roots.put("validation", f.validation());
            roots.put("test", f.test());
        });
        // class folders per root, then the union of class names
        Map<String, TreeMap<String, List<String>>> found = new LinkedHashMap<>();
        roots.forEach((split, root) -> found.put(split, classFolders(root, problems)));
        TreeSet<String> names = new TreeSet<>();
        found.values().forEach(m -> names.addAll(m.keySet()));
        List<String> classes = new ArrayList<>(names);
        if (classes.stream().allMatch(CsvDatasetLoader::isNumber)) {
            classes.sort(Comparator.comparingDouble(Double::parseDouble));
        }
        if (spec.files().isPresent() && problems.isEmpty()) {
            for (String name : classes) {
                if (!found.get("train").containsKey(name)) {
                    problems.add(display(roots.get("train")) + ": no folder `" + name + "`, but the validation or test folder"
                            + " has that class; every class needs training images");
                }
            }
        }
        if (problems.isEmpty() && classes.size() < 2) {
            problems.add(display(roots.values().iterator().next()) + ": " + classes.size() + " class folder(s) " + classes
                    + "; a classifier needs at least 2 (one sub-folder per class, holding its images)");
        }
        Map<String, List<Image>> images = new LinkedHashMap<>();
        found.forEach((split, folders) -> {
            List<Image> list = new ArrayList<>();
            folders.forEach((name, files) -> {
                for (String file : files) {
                    read(file, classes.indexOf(name), problems).ifPresent(list::add);
                }
            });
            images.put(split, list);
        });
        if (!problems.isEmpty()) {
            return new Listing(classes, List.of(), List.of(), List.of(), List.copyOf(problems), List.of(),
                    new DataCounts(DataCounts.Count.NONE, DataCounts.Count.NONE));
        }
        List<List<Image>> splits = spec.path().isPresent() ? split(images.get("all"), classes, display(spec.path().get()))
                : List.of(images.get("train"), images.get("validation"), images.get("test"));
        List<String> warnings = new ArrayList<>();
        DataCounts.Count across = duplicates(splits, warnings);
        return new Listing(List.copyOf(classes), splits.get(0), splits.get(1), splits.get(2), List.of(), warnings,
                new DataCounts(repeats(splits), across));
    }

    /**
     * The class folders under {@code root}, each with its files (as spec paths) sorted by name; what is out of place
     * is a problem.
     */
    private TreeMap<String, List<String>> classFolders(String root, List<String> problems) {
        TreeMap<String, List<String>> folders = new TreeMap<>();
        Path dir = resolver.apply(root);
        if (!Files.isDirectory(dir)) {
            problems.add(display(root) + ": " + (Files.exists(dir) ? "not a folder; image data is a folder with one sub-folder"
                    + " per class" : "does not exist"));
            return folders;
        }
        for (Path entry : sorted(dir)) {
            String rel = display(root, entry.getFileName().toString());
            if (hidden(entry)) {
                continue;
            }
            if (!Files.isDirectory(entry)) {
                problems.add(rel + ": a file outside the class folders; put each image in the sub-folder named after its class");
                continue;
            }
            List<String> files = new ArrayList<>();
            for (Path file : sorted(entry)) {
                if (hidden(file)) {
                    continue;
                }
                if (Files.isDirectory(file)) {
                    problems.add(display(root, entry.getFileName() + "/" + file.getFileName()) + ": a folder inside class folder `"
                            + entry.getFileName() + "`; images must sit directly in their class folder");
                } else {
                    files.add(display(root, entry.getFileName() + "/" + file.getFileName()));
                }
            }
            if (files.isEmpty()) {
                problems.add(rel + ": empty class folder; add images of class `" + entry.getFileName() + "` or remove the folder");
            }
            folders.put(entry.getFileName().toString(), files);
        }
        return folders;
    }

    private Optional<Image> read(String shown, int label, List<String> problems) {
        Path file;
        byte[] bytes;
        try {
            file = resolver.apply(shown); // refuses a link out of the project, as for every spec path
            bytes = Files.readAllBytes(file);
        } catch (UserInputException e) {
            problems.add(shown + ": " + e.getMessage());
            return Optional.empty();
        } catch (IOException e) {
            problems.add(shown + ": cannot be read: " + e.getMessage());
            return Optional.empty();
        }
        ImageHeader.Read header = ImageHeader.of(bytes);
        if (header.problem().isPresent()) {
            problems.add(shown + ": " + header.problem().get());
            return Optional.empty();
        }
        return Optional.of(new Image(file, shown, label,
                HexFormat.of().formatHex(Fingerprint.newDigest().digest(bytes))));
    }

    /** Splits one folder's images as CSV rows are split: seeded, stratified by default, each split in listing order. */
    private List<List<Image>> split(List<Image> all, List<String> classes, String source) {
        int[] labels = all.stream().mapToInt(Image::label).toArray();
        int[] rows = new int[all.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = i;
        }
        LabeledRows placeholder = new LabeledRows(source + " (" + all.size() + " images)", new float[all.size()][0], labels, rows);
        SplitData split;
        try {
            split = CsvDatasetLoader.split(placeholder, classes, spec.split());
        } catch (UserInputException e) {
            throw new UserInputException(e.getMessage().replace(" rows;", " images;"));
        }
        return List.of(pick(all, split.train()), pick(all, split.validation()), pick(all, split.test()));
    }

    private static List<Image> pick(List<Image> all, LabeledRows chosen) {
        List<Image> out = new ArrayList<>();
        for (int row : chosen.rows()) {
            out.add(all.get(row));
        }
        return List.copyOf(out);
    }

    /**
     * Images with the same bytes in two splits: the model is then tested (or selected) on images it trained on. A
     * warning, not an error, since a dataset may hold such copies on purpose; counted per distinct content.
     */
    private static DataCounts.Count duplicates(List<List<Image>> splits, List<String> warnings) {
        String[] names = {"train", "validation", "test"};
        Map<String, List<String>> where = new LinkedHashMap<>(); // hash -> "split:path" entries
        Map<String, boolean[]> splitsOf = new LinkedHashMap<>();
        for (int s = 0; s < 3; s++) {
            for (Image image : splits.get(s)) {
                where.computeIfAbsent(image.sha256(), k -> new ArrayList<>()).add(image.display());
                splitsOf.computeIfAbsent(image.sha256(), k -> new boolean[3])[s] = true;
            }
        }
        Map<String, Integer> pairs = new TreeMap<>();
        int count = 0;
        String example = null;
        for (var e : splitsOf.entrySet()) {
            boolean[] in = e.getValue();
            int splitsWithIt = (in[0] ? 1 : 0) + (in[1] ? 1 : 0) + (in[2] ? 1 : 0);
            if (splitsWithIt < 2) {
                continue;
            }
            count++;
            for (int a = 0; a < 3; a++) {
                for (int b = a + 1; b < 3; b++) {
                    if (in[a] && in[b]) {
                        pairs.merge(names[a] + " & " + names[b], 1, Integer::sum);
                    }
                }
            }
            if (example == null) {
                example = String.join(" = ", where.get(e.getKey()));
            }
        }
        if (count > 0) {
            StringBuilder w = new StringBuilder().append(count).append(count == 1 ? " image is" : " images are")
                    .append(" in more than one split (same content): ");
            List<String> parts = new ArrayList<>();
            pairs.forEach((pair, n) -> parts.add(pair + " " + n));
            w.append(String.join(", ", parts)).append("; e.g. ").append(example)
                    .append(". Metrics on such images are not on unseen data: remove the copies");
            warnings.add(w.toString());
            return new DataCounts.Count(count, w.toString());
        }
        return DataCounts.Count.NONE;
    }

    /**
     * Images whose content repeats an earlier image's (in file order over train, validation, test). Not a warning of
     * its own (copies inside one split may be on purpose); {@code dataset.gates.maxDuplicates} can limit them.
     */
    private static DataCounts.Count repeats(List<List<Image>> splits) {
        Map<String, String> first = new LinkedHashMap<>(); // hash -> the path where that content was first seen
        int count = 0;
        String example = null;
        for (List<Image> split : splits) {
            for (Image image : split) {
                String earlier = first.putIfAbsent(image.sha256(), image.display());
                if (earlier != null) {
                    count++;
                    if (example == null) {
                        example = earlier + " = " + image.display();
                    }
                }
            }
        }
        return count == 0 ? DataCounts.Count.NONE : new DataCounts.Count(count, count + (count == 1 ? " image repeats"
                : " images repeat") + " an earlier image's content exactly, e.g. " + example);
    }

    private static List<Path> sorted(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot list the folder: " + e.getMessage());
        }
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    /** A path below a root as the spec would write it, relative to the project. */
    private static String display(String root, String child) {
        return display(root) + "/" + child;
    }

    private static String display(String root) {
        String r = root.replace('\\', '/');
        return r.endsWith("/") ? r.substring(0, r.length() - 1) : r;
    }

}
