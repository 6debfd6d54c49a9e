package dev.finetune.engine.fork;

import dev.finetune.engine.UserInputException;
import dev.finetune.engine.model.BaseModelInfo;
import dev.finetune.engine.model.LayerSelection;
import dev.finetune.spec.FinetuneSpec;

import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The training JVM's OpenMP thread count and why it is that number. Always a fixed number, never taken from the
 * machine: some layers' results depend on it bit for bit, so the same project must get the same count everywhere.
 * Unless {@code finetune.threads} sets it, it follows the kind of work, by the measured best on this machine kind
 * (2 cores, passive OpenMP waiting; {@code PeerBenchmark threads} and {@code sweep}, README "Speed"). One epoch at 1
 * thread over the same epoch at 2, medians of paired epochs in one JVM: under load 1.68 for the dense MLP, 1.19 for
 * LeNet trained whole, 1.51 for a dense head on cached convolution outputs; idle 1.06, 1.26 and 0.92. So dense and
 * convolutional networks default to 2. A dense head on cached convolution outputs defaults to 1: idle, the whole
 * {@code train} step of such a trial was 1.35× faster at 1 thread, its head's epochs 2.2×, and an 8-trial sweep 1.3×
 * (two trials at once then use one core each instead of four threads on two cores). Decided in Maven's JVM from the
 * base's layer list and the spec ({@link BaseModelInfo}, {@link LayerSelection}: no ND4J). ONNX bodies count as
 * convolutional: ONNX Runtime takes the same count for the encoding, which dominates.
 *
 * @param ompThreads the count
 * @param chosenBy   why, for the lineage and the log: {@code finetune.threads}, or the workload kind it defaulted for
 */
public record ThreadChoice(int ompThreads, String chosenBy) {

    public static final int DENSE = 2;
    public static final int CONVOLUTIONAL = 2;
    /** A dense head on cached convolution outputs: many small ops, for which a second thread's hand-off costs more than it gives. */
    public static final int CACHED_HEAD = 1;
    public static final String SET = "finetune.threads";

    /** DL4J's ConvolutionLayer, Convolution1DLayer, SubsamplingLayer, Deconvolution2D...; Keras's Conv2D, MaxPooling2D... */
    private static final Pattern CONVOLUTION = Pattern.compile("conv|pool|subsampling", Pattern.CASE_INSENSITIVE);

    public ThreadChoice {
        if (ompThreads < 1) {
            throw new IllegalArgumentException("threads " + ompThreads);
        }
    }

    /** The count {@code finetune.threads} gives. */
    public static ThreadChoice set(int threads) {
        return new ThreadChoice(threads, SET);
    }

    /**
     * The default for the work the training does each epoch: as {@link #byWorkload(BaseModelInfo)}, except that a
     * convolutional base whose convolutions all sit in the frozen prefix the frozen-feature cache serves trains only a
     * dense head on cached outputs, which is dense work (measured: the 8-trial sweep's single trial 1.35× faster at 1
     * thread than at 2, its head's epochs 2.2×; README "Speed"). Only when nothing else runs convolutions per epoch: no
     * from-scratch comparison, no stages, no swept {@code freeze}; sequential bases only (a graph's cached part need
     * not be a prefix). A spec that does not fit its base keeps the base's default (validation reports it).
     */
    public static ThreadChoice forTraining(BaseModelInfo base, FinetuneSpec spec, boolean frozenFeatureCache) {
        ThreadChoice byBase = byWorkload(base);
        if (base.frozenOnly() || !convolutional(base) || !frozenFeatureCache || base.graph()
                || spec.evaluation().compareWithScratch() || !spec.training().stages().isEmpty()
                || spec.sweep().map(s -> s.parameters().keySet().stream().anyMatch(k -> k.startsWith("freeze"))).orElse(false)) {
            return byBase;
        }
        List<String> names = base.names();
        try {
            int removed = LayerSelection.removedLayers(spec.head(), names, base.inputs(), "the base");
            TreeSet<Integer> frozen = LayerSelection.frozenIndices(spec.freeze(), names, "the base", removed);
            int prefix = 0;
            while (frozen.contains(prefix)) {
                prefix++;
            }
            for (int i = prefix; i < names.size() - removed; i++) {
                if (isConvolution(base.layers().get(i))) {
                    return byBase;
                }
            }
            return new ThreadChoice(CACHED_HEAD, "default for dense heads on cached convolution outputs");
        } catch (UserInputException e) {
            return byBase;
        }
    }

    /** The default for the base's kind of work. */
    public static ThreadChoice byWorkload(BaseModelInfo base) {
        if (base.frozenOnly()) {
            return new ThreadChoice(CONVOLUTIONAL, "default for frozen encoder bodies");
        }
        return convolutional(base)
                ? new ThreadChoice(CONVOLUTIONAL, "default for convolutional networks")
                : new ThreadChoice(DENSE, "default for dense networks");
    }

    private static boolean convolutional(BaseModelInfo base) {
        return base.layers().stream().anyMatch(ThreadChoice::isConvolution);
    }

    private static boolean isConvolution(BaseModelInfo.LayerInfo layer) {
        return CONVOLUTION.matcher(layer.type()).find();
    }

    /** For the log: {@code 2 OpenMP threads (default for convolutional networks)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%d OpenMP thread%s (%s)", ompThreads, ompThreads == 1 ? "" : "s", chosenBy);
    }
}
