package org.nd4j.nativeblas;

/**
 * Not ND4J's class: a stand-in under the name DL4J 1.0.0-M2.1 still looks for. DL4J's oneDNN layer helpers
 * ({@code BaseMKLDNNHelper.mklDnnEnabled()}) ask {@code org.nd4j.nativeblas.Nd4jCpu$Environment.getInstance().isUseMKLDNN()}
 * by reflection, but that release moved the class to {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} (and
 * renamed the method {@code isUseONEDNN}), so the check always failed and the helpers never ran, even with an
 * nd4j-native {@code -onednn} build. This answers the old question with the moved class's answer; nothing else uses it.
 * Loaded only in the training JVM, and only when DL4J asks (README "Native builds").
 */
public final class Nd4jCpu {

    private Nd4jCpu() {
    }

    public static final class Environment {

        private static final Environment INSTANCE = new Environment();

        private Environment() {
        }

        public static Environment getInstance() {
            return INSTANCE;
        }

        /** Whether libnd4j will run its oneDNN implementations: true in a {@code -onednn} build unless switched off. */
        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
        }
    }
}
