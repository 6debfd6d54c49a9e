package dev.finetune.it;

import dev.finetune.engine.data.DatasetSource;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.inspect.InputChecks;
import dev.finetune.spec.FinetuneSpec;
import dev.finetune.spec.SpecParser;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Large-data benchmark (issue 17): for CSVs of 10^4, 10^5 and 10^6 rows (64 features, 10 classes: the UCI digits with
 * every pixel jittered by -1..+1, so rows are distinct), each in a fresh JVM with a 256 MiB heap as a training JVM:
 * the first load (parse into the row file), a second load (row file found), one training epoch of a 64-64-10 MLP
 * streamed from the row file (batch 64), one in-order pass, and the JVM's peak RSS (VmHWM, which counts the mapped row
 * file's pages that were read). Then the data check as finetune:validate runs it (InputChecks, plain Java) on the
 * 10^5-row CSV and on a 10^4-image folder of Fashion-MNIST PNGs. Writes a Markdown table.
 * <pre>
 * mvn -B -o -pl finetune-spec-schema,finetune-maven-plugin,it verify -Pbenchmark-data -DskipTests -Dinvoker.skip
 * </pre>
 * Arguments: the work folder, the UCI digits CSV, the example's LeNet base (for the images' input shape), the folder
 * of Fashion-MNIST IDX files (Debian's dataset-fashion-mnist), and the sizes to run (default 10000,100000,1000000;
 * {@code -} for the data check alone), e.g. {@code -Dbenchmark.sizes=-}.
 */
public final class DataBenchmark {

    private static final String HEAP = "-Xmx256m";

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--child")) {
            child(Path.of(args[1]), Integer.parseInt(args[2]));
            return;
        }
        if (args[0].equals("--validate")) {
            validate(Path.of(args[1]), args[2]);
            return;
        }
        Path work = Path.of(args[0]);
        Path digits = Path.of(args[1]);
        Path lenet = Path.of(args[2]);
        Path fashion = Path.of(args[3]);
        String sizes = args.length > 4 && !args[4].isBlank() ? args[4] : "10000,100000,1000000";
        Files.createDirectories(work);
        writeBase(work.resolve("dense.zip"));
        Files.copy(lenet, work.resolve("lenet.zip"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<String> table = new ArrayList<>();
        table.add("| rows | CSV MiB | first load (parse + row file) | second load (row file) | one epoch, 64-64-10 MLP | in-order pass | fork-like JVM peak RSS |");
        table.add("|---:|---:|---:|---:|---:|---:|---:|");
        for (String size : sizes.equals("-") ? new String[0] : sizes.split(",")) {
            int rows = Integer.parseInt(size.trim());
            Path csv = work.resolve("rows-" + rows + ".csv");
            if (!Files.isRegularFile(csv)) {
                writeCsv(digits, csv, rows);
            }
            deleteTree(work.resolve("cache-" + rows));
            String line = run(work, List.of("--child", work.toString(), String.valueOf(rows)));
            table.add(line);
            System.out.println(line);
        }
        List<String> checks = new ArrayList<>();
        checks.add("| finetune:validate's data check (InputChecks, plain Java) | first run (parses, writes the row file) | peak RSS |");
        checks.add("|---|---:|---:|");
        Path csv100k = work.resolve("rows-100000.csv");
        if (!Files.isRegularFile(csv100k)) {
            writeCsv(digits, csv100k, 100_000);
        }
        deleteTree(work.resolve("validate-cache"));
        checks.add("| 10^5-row CSV (64 features) | " + run(work, List.of("--validate", work.toString(), "csv")) + " |");
        Path images = work.resolve("fashion-10k");
        if (!Files.isDirectory(images)) {
            ImageFolderGenerator.main(new String[] {fashion.toString(), images.toString(), "1000", "train"});
        }
        checks.add("| 10^4-image folder (Fashion-MNIST PNGs, 28x28) | " + run(work, List.of("--validate", work.toString(), "images")) + " |");
        checks.forEach(System.out::println);
        List<String> out = new ArrayList<>(table);
        out.add("");
        out.addAll(checks);
        Files.write(work.resolve("data-benchmark.md"), out, StandardCharsets.UTF_8);
        System.out.println("wrote " + work.resolve("data-benchmark.md"));
    }

    /** Runs a mode in a fresh JVM (a 256 MiB heap, passive OpenMP waiting) and returns the line it printed last. */
    private static String run(Path work, List<String> mode) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                HEAP, "-cp", System.getProperty("java.class.path"), DataBenchmark.class.getName()));
        command.addAll(mode);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("OMP_WAIT_POLICY", "passive");
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        String last = "";
        try (var reader = process.inputReader()) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.startsWith("RESULT ")) {
                    last = line.substring(7);
                } else if (!line.contains("DEBUG") && !line.isBlank()) {
                    System.out.println("  " + line);
                }
            }
        }
        if (process.waitFor() != 0) {
            throw new IllegalStateException("benchmark JVM failed: " + mode);
        }
        return last;
    }

    private static FinetuneSpec spec(String yaml) throws Exception {
        return new SpecParser().parse("finetune.yaml", yaml);
    }

    private static void child(Path work, int rows) throws Exception {
        FinetuneSpec spec = spec("base: { path: dense.zip }\ndataset:\n  path: rows-" + rows + ".csv\n  labelColumn: -1\n"
                + "  split: { train: 0.8, validation: 0.1, test: 0.1, seed: 1 }\n");
        Optional<Path> cache = Optional.of(work.resolve("cache-" + rows));
        DatasetSource source = DatasetSource.of(spec.dataset(), work::resolve,
                dev.finetune.engine.data.ImageShape.BaseInput.UNKNOWN, cache);
        long t0 = System.nanoTime();
        SplitData first = source.load();
        double parse = seconds(t0);
        long t1 = System.nanoTime();
        SplitData data = source.load();
        double reload = seconds(t1);
        DatasetSource.TrainingSplits splits = source.trainingSplits(data);
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(work.resolve("dense.zip").toFile());
        long t2 = System.nanoTime();
        for (Iterator<DataSet> it = splits.train().shuffled(64, new Random(1)); it.hasNext(); ) {
            net.fit(it.next());
        }
        double epoch = seconds(t2);
        long t3 = System.nanoTime();
        long seen = 0;
        for (Iterator<DataSet> it = splits.train().inOrder(1024); it.hasNext(); ) {
            seen += net.output(it.next().getFeatures()).size(0);
        }
        double pass = seconds(t3);
        int train = data.train().size();
        System.out.println("RESULT " + String.format(Locale.ROOT, "| %,d | %.0f | %.1f s (%,.0f rows/s) | %.2f s (%,.0f rows/s) | %.1f s (%,.0f rows/s) | %.1f s (%,.0f rows/s) | %s |",
                rows, Files.size(work.resolve("rows-" + rows + ".csv")) / 1048576.0, parse, rows / parse, reload, rows / reload,
                epoch, train / epoch, pass, seen / pass, peakRss()) + (first.numClasses() == 10 ? "" : " classes?"));
    }

    private static void validate(Path work, String kind) throws Exception {
        FinetuneSpec spec = kind.equals("csv")
                ? spec("base: { path: dense.zip }\ndataset:\n  path: rows-100000.csv\n  labelColumn: -1\n")
                : spec("base: { path: lenet.zip }\ndataset:\n  type: images\n  path: fashion-10k\n"
                + "  split: { train: 0.8, validation: 0.1, test: 0.1, seed: 1 }\n");
        long t0 = System.nanoTime();
        List<String> problems = new InputChecks(spec, work::resolve, work.resolve(spec.base().path().orElseThrow()),
                Optional.empty(), Optional.of(work.resolve("validate-cache"))).problems();
        double took = seconds(t0);
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("\n", problems));
        }
        System.out.println("RESULT " + String.format(Locale.ROOT, "%.1f s | %s", took, peakRss()));
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** VmHWM of this JVM, in MiB. */
    private static String peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                return String.format(Locale.ROOT, "%,d MiB", kb / 1024);
            }
        }
        return "?";
    }

    /** The UCI digits, each pixel jittered by -1, 0 or +1 (kept in 0..16), repeated to {@code rows} rows. */
    private static void writeCsv(Path digits, Path csv, int rows) throws IOException {
        List<int[]> source = new ArrayList<>();
        for (String line : Files.readAllLines(digits)) {
            if (!line.isBlank()) {
                source.add(java.util.Arrays.stream(line.trim().split(",")).mapToInt(Integer::parseInt).toArray());
            }
        }
        Random random = new Random(17);
        Path temp = csv.resolveSibling(csv.getFileName() + ".part");
        try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            StringBuilder row = new StringBuilder();
            for (int r = 0; r < rows; r++) {
                int[] values = source.get(r % source.size());
                row.setLength(0);
                for (int f = 0; f < values.length - 1; f++) {
                    row.append(Math.max(0, Math.min(16, values[f] + random.nextInt(3) - 1))).append(',');
                }
                row.append(values[values.length - 1]).append('\n');
                out.write(row.toString());
            }
        }
        Files.move(temp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void writeBase(Path file) throws IOException {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(0.001)).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(64).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(64).nOut(10).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        ModelSerializer.writeModel(net, file.toFile(), true);
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private DataBenchmark() {
    }
}
