package dev.finetune.engine.fork;

import dev.finetune.engine.model.BaseModelInfo;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The training JVM's OpenMP thread count and why it is that number. Always a fixed number, never taken from the
 * machine: some layers' results depend on it bit for bit, so the same project must get the same count everywhere.
 * Unless {@code finetune.threads} sets it, it follows the kind of work, by the measured best on this machine kind
 * (2 cores, passive OpenMP waiting; {@code PeerBenchmark threads}, README "Speed"): one epoch at 1 thread over the same
 * epoch at 2, medians of paired epochs in one JVM, were 1.68 for the dense MLP, 1.19 for LeNet trained whole and 1.51
 * for a dense head on cached convolution outputs. So both kinds default to 2 here; the kinds stay separate because
 * the earlier measurement with active waiting favoured 1 thread for dense networks, and another machine kind may
 * again. Decided in Maven's JVM from the base's layer list ({@link BaseModelInfo}: no ND4J). ONNX bodies count as
 * convolutional: ONNX Runtime takes the same count for the encoding, which dominates.
 *
 * @param ompThreads the count
 * @param chosenBy   why, for the lineage and the log: {@code finetune.threads}, or the workload kind it defaulted for
 */
public record ThreadChoice(int ompThreads, String chosenBy) {

    public static final int DENSE = 2;
    public static final int CONVOLUTIONAL = 2;
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

    /** The default for the base's kind of work. */
    public static ThreadChoice byWorkload(BaseModelInfo base) {
        if (base.frozenOnly()) {
            return new ThreadChoice(CONVOLUTIONAL, "default for frozen encoder bodies");
        }
        boolean convolutional = base.layers().stream().anyMatch(l -> CONVOLUTION.matcher(l.type()).find());
        return convolutional
                ? new ThreadChoice(CONVOLUTIONAL, "default for convolutional networks")
                : new ThreadChoice(DENSE, "default for dense networks");
    }

    /** For the log: {@code 2 OpenMP threads (default for convolutional networks)}. */
    public String describe() {
        return String.format(Locale.ROOT, "%d OpenMP thread%s (%s)", ompThreads, ompThreads == 1 ? "" : "s", chosenBy);
    }
}
