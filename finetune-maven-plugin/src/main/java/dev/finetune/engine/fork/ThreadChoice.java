package dev.finetune.engine.fork;

import dev.finetune.engine.model.BaseModelInfo;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The training JVM's OpenMP thread count and why it is that number. Always a fixed number, never taken from the
 * machine: some layers' results depend on it bit for bit, so the same project must get the same count everywhere.
 * Unless {@code finetune.threads} sets it, it follows the kind of work, as measured on 2 cores
 * ({@code it/benchmarks/pytorch-peer.sh}, README "Speed"): dense networks train faster on one thread (their small
 * matrix products gain less from a second thread than OpenMP's hand-offs cost), convolutions on two; an ONNX body's
 * encoding (ONNX Runtime takes the same count) gains from two as well. Decided in Maven's JVM from the base's
 * layer list ({@link BaseModelInfo}: no ND4J).
 *
 * @param ompThreads the count
 * @param chosenBy   why, for the lineage and the log: {@code finetune.threads}, or the workload kind it defaulted for
 */
public record ThreadChoice(int ompThreads, String chosenBy) {

    public static final int DENSE = 1;
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
