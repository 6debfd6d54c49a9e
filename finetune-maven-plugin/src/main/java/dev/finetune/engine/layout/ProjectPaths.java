package dev.finetune.engine.layout;

import dev.finetune.engine.UserInputException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Turns a path written in the spec into a file of the project. The spec parser already refuses absolute paths and
 * {@code ..}; this also follows symbolic links, so a link inside the project that points outside it (a symlinked
 * {@code models/} or data file) counts as outside. Only the POM or the command line may allow paths outside
 * ({@code finetune.allowPathsOutsideProject}), never the spec, which a pull request can edit.
 */
public record ProjectPaths(Path projectDir, boolean allowOutside) {

    public ProjectPaths {
        projectDir = projectDir.toAbsolutePath().normalize();
    }

    /** The file {@code specPath} names; a user error when it leads outside the project through a link. */
    public Path resolve(String specPath) {
        Path file = projectDir.resolve(specPath).normalize();
        if (allowOutside || !Files.exists(file)) {
            return file; // a missing file is reported by whoever needs it, with its spec position
        }
        try {
            Path real = file.toRealPath();
            Path realProject = projectDir.toRealPath();
            if (!real.startsWith(realProject)) {
                throw new UserInputException("`" + specPath + "` leads outside the project through a symbolic link (to " + real
                        + "); keep inputs in the project, or allow it in the POM or on the command line with"
                        + " -Dfinetune.allowPathsOutsideProject");
            }
        } catch (IOException e) {
            throw new UserInputException("`" + specPath + "`: cannot follow " + file + ": " + e.getMessage(), e);
        }
        return file;
    }
}
