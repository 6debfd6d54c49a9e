package dev.finetune.engine.diff;

import java.util.Optional;

/**
 * One key whose effective value differs; {@code before} is empty when the key is new, {@code after} when it was
 * removed.
 */
public record SettingChange(String key, Optional<String> before, Optional<String> after) {

    public String describe() {
        return key + ": " + before.orElse("(not set)") + " -> " + after.orElse("(not set)");
    }
}
