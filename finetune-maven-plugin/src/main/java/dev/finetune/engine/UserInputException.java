package dev.finetune.engine;

/**
 * A problem with the user's inputs (data file, base model, spec against those): the build fails with this
 * message, which names the file and row or layer involved. Anything else is an internal error.
 */
public class UserInputException extends RuntimeException {
    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
