package dev.finetune.engine.onnx;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.data.LabeledRows;
import dev.finetune.engine.data.SplitData;
import dev.finetune.engine.event.EventSink;
import dev.finetune.spec.FinetuneSpec.BaseSpec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The frozen-feature cache of an ONNX text encoder base: each split's texts encoded once, before training, into the
 * features every epoch and every sweep trial of the head reads (the encoder never changes, so computing it again per
 * epoch would only cost time). Splits a step does not read keep their texts and get no features.
 */
public final class TextFeatures {

    /**
     * What encoding found, per split: written to {@code text-encoding.json}.
     *
     * @param maxSequenceLength tokens per example at most
     * @param dimension         features per example
     * @param splits            per encoded split: examples, how many were truncated, seconds
     */
    public record Report(int maxSequenceLength, int dimension, Map<String, SplitReport> splits) {

        /** This report's splits with {@code later}'s added (replacing any of the same name), in split order. */
        public Report with(Report later) {
            Map<String, SplitReport> all = SplitReports.merged(splits, later.splits());
            return new Report(later.maxSequenceLength(), later.dimension(), all);
        }
    }

    public record SplitReport(int examples, int truncated, double seconds) {
    }

    /** The data with the named splits' texts replaced by their encodings, and what encoding found. */
    public record Result(SplitData data, Report report) {
    }

    private TextFeatures() {
    }

    /**
     * @param threads ONNX Runtime's intra-op threads
     * @param splits  which splits to encode: {@code train}, {@code validation}, {@code test}
     */
    public static Result encode(SplitData data, Path model, Path tokenizer, BaseSpec base, int threads, List<String> splits,
                                EventSink log) {
        if (data.train().texts().isEmpty()) {
            throw new UserInputException("`base` " + base + " is an ONNX text encoder, which reads text: name the column"
                    + " holding each example's text with `dataset.textColumn` (ONNX bases with numeric inputs are not"
                    + " supported yet)");
        }
        Map<String, SplitReport> reports = new LinkedHashMap<>();
        LabeledRows[] rows = {data.train(), data.validation(), data.test()};
        String[] names = {"train", "validation", "test"};
        int dimension = 0;
        try (TextEncoder encoder = TextEncoder.open(model, tokenizer, base.output(),
                base.pooling().orElse(BaseSpec.Pooling.mean), base.sequenceLength(), threads)) {
            for (int s = 0; s < rows.length; s++) {
                if (!splits.contains(names[s])) {
                    rows[s] = rows[s].withFeatures(new float[rows[s].size()][0]);
                    continue;
                }
                long started = System.nanoTime();
                TextEncoder.Encoded encoded = encoder.encode(rows[s].texts().orElseThrow());
                double seconds = (System.nanoTime() - started) / 1e9;
                rows[s] = rows[s].withFeatures(encoded.features());
                dimension = rows[s].featureCount();
                reports.put(names[s], new SplitReport(rows[s].size(), encoded.truncated(), seconds));
                log.info(String.format(Locale.ROOT, "frozen-feature cache: ONNX encoder outputs for the %d %s texts computed"
                                + " once in %.1f s (%.1f texts/s), %d-d; %d truncated to %d tokens", rows[s].size(), names[s],
                        seconds, rows[s].size() / Math.max(seconds, 1e-9), dimension, encoded.truncated(), base.sequenceLength()));
            }
        }
        return new Result(new SplitData(data.classes(), rows[0], rows[1], rows[2]),
                new Report(base.sequenceLength(), dimension, reports));
    }
}
