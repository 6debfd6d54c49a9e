package dev.finetune.engine.train;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * ND4J's thread counts, set explicitly: they decide speed on small machines and, for some layers, the exact
 * floating-point results. Set by the training JVM, and by a Spark executor in another JVM to the same values.
 */
public final class NativeThreads {

    private NativeThreads() {
    }

    public static void configure(int omp, int blas) {
        Nd4j.getEnvironment().setMaxThreads(omp);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(omp);
        Nd4j.factory().blas().setMaxThreads(blas);
    }
}
