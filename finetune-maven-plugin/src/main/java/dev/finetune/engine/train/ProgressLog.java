package dev.finetune.engine.train;

/** Where the engine reports progress: Maven's log (through the fork's output) or a test. */
public interface ProgressLog {
    void info(String message);

    void warn(String message);

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
        };
    }
}
