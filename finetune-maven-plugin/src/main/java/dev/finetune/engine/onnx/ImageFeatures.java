package dev.finetune.engine.onnx;

import dev.finetune.engine.data.DataSets;
import dev.finetune.engine.data.ImageFolderSource;
import dev.finetune.engine.data.ImageShape;
import dev.finetune.engine.data.LabeledRows;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.FinetuneSpec.BaseSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The frozen-feature cache of an ONNX image base: each split's images (decoded to the model's input size and channel
 * order, scaled as the spec says) run through the model once, before training, and the features every epoch and
 * every sweep trial of the head reads are its output. The body never changes, so running it again per epoch would
 * only cost time; for the same reason augmentation, which changes the images every epoch, is refused with an ONNX
 * body. Splits a step does not read get no features.
 */
public final class ImageFeatures {

    /**
     * What encoding did, per split: written to {@code image-encoding.json} (and into the lineage).
     *
     * @param input     the model's input name and layout, e.g. {@code image NCHW}
     * @param height    pixels per image, as fed
     * @param width     pixels per image, as fed
     * @param channels  1 (grey) or 3 (RGB)
     * @param scaling   how pixels were scaled before the model
     * @param output    the ONNX output the features come from
     * @param pooling   {@code none} for a [batch, size] output, {@code mean} for a feature map averaged over positions
     * @param dimension features per image: the head's input size
     * @param splits    per encoded split: images and seconds
     */
    public record Report(String input, String layout, int height, int width, int channels, String scaling, String output,
                         String pooling, int dimension, Map<String, SplitReport> splits) {

        /** This report's splits with {@code later}'s added (replacing any of the same name), in split order. */
        public Report with(Report later) {
            Map<String, SplitReport> all = SplitReports.merged(splits, later.splits());
            return new Report(later.input(), later.layout(), later.height(), later.width(), later.channels(), later.scaling(),
                    later.output(), later.pooling(), later.dimension(), all);
        }
    }

    public record SplitReport(int examples, double seconds) {
    }

    /** The data with the named splits' pixels replaced by the model's features, and what encoding did. */
    public record Result(SplitData data, Report report) {
    }

    private ImageFeatures() {
    }

    /**
     * @param images  the image source the data came from: its shape and pixel scaling
     * @param threads ONNX Runtime's intra-op threads
     * @param splits  which splits to encode: {@code train}, {@code validation}, {@code test}
     */
    public static Result encode(SplitData data, Path model, BaseSpec base, ImageFolderSource images, int threads,
                                List<String> splits, EventSink log) {
        ImageShape shape = images.shape();
        // fitted on the training images, as the normaliser stored with a DL4J network is
        Optional<DataNormalization> pixels = images.pixelNormalizer(data);
        Map<String, SplitReport> reports = new LinkedHashMap<>();
        LabeledRows[] rows = {data.train(), data.validation(), data.test()};
        String[] names = {"train", "validation", "test"};
        int dimension = 0;
        String pooling = "none";
        String output;
        String input;
        try (ImageEncoder encoder = ImageEncoder.open(model, shape, base.output(), threads)) {
            output = encoder.output();
            input = encoder.input();
            for (int s = 0; s < rows.length; s++) {
                if (!splits.contains(names[s])) {
                    rows[s] = rows[s].withFeatures(new float[rows[s].size()][0]);
                    continue;
                }
                long started = System.nanoTime();
                DataSet scaled = DataSets.of(rows[s], data.numClasses());
                pixels.ifPresent(n -> n.transform(scaled));
                INDArray matrix = scaled.getFeatures();
                float[][] features = new float[rows[s].size()][];
                for (int i = 0; i < features.length; i++) {
                    features[i] = encoder.encode(matrix.getRow(i).toFloatVector());
                }
                double seconds = (System.nanoTime() - started) / 1e9;
                rows[s] = rows[s].withFeatures(features);
                if (features.length > 0) {
                    dimension = features[0].length;
                }
                pooling = encoder.pooled() ? "mean" : "none";
                reports.put(names[s], new SplitReport(rows[s].size(), seconds));
                log.info(String.format(Locale.ROOT, "frozen-feature cache: ONNX image model's `%s` for the %d %s images"
                                + " computed once in %.1f s (%.1f images/s), %d features%s", output, rows[s].size(), names[s],
                        seconds, rows[s].size() / Math.max(seconds, 1e-9), dimension,
                        encoder.pooled() ? " (feature map averaged over its positions)" : ""));
            }
        }
        Report report = new Report(input, shape.channelsLast() ? "NHWC" : "NCHW", shape.height(), shape.width(),
                shape.channels(), images.pixelScaling(), output, pooling, dimension, reports);
        return new Result(new SplitData(data.classes(), rows[0], rows[1], rows[2]), report);
    }
}
