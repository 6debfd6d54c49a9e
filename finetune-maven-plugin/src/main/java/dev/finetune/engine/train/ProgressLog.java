package dev.finetune.engine.train;

/** Where the engine reports progress: Maven's log (through the fork's output) or a test. */
public interface ProgressLog {
    void info(String message);

    void warn(String message);

    /** A problem that ends the run; simple sinks show it as a warning. */
    default void error(String message) {
        warn(message);
    }

    static ProgressLog toStdout() {
        return new ProgressLog() {
            @Override
            public void info(String message) {
                System.out.println("[INFO] " + message);
            }

            @Override
            public void warn(String message) {
                System.out.println("[WARN] " + message);
            }

            @Override
            public void error(String message) {
                System.out.println("[ERROR] " + message);
            }
        };
    }
}
