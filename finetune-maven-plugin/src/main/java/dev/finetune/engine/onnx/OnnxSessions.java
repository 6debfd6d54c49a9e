package dev.finetune.engine.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.finetune.engine.UserInputException;

import java.nio.file.Path;

/** How every ONNX body is opened: a fixed thread count and sequential execution, so features are the same each run. */
final class OnnxSessions {

    private OnnxSessions() {
    }

    /** @param threads ONNX Runtime's intra-op threads (fixed: they may decide the last bits of a sum) */
    static OrtSession open(OrtEnvironment environment, Path model, int threads) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, threads));
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            return environment.createSession(model.toString(), options);
        } catch (OrtException e) {
            throw new UserInputException(model + ": ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }
}
