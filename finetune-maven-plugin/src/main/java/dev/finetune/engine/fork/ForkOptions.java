package dev.finetune.engine.fork;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How to start the training JVM (what it is asked to do is the {@link ForkRequest}).
 *
 * @param javaExecutable   the {@code java} to run (by default the one running the build)
 * @param classpath        the engine, its dependencies and the chosen ND4J backend
 * @param maxHeap          {@code -Xmx} value, e.g. {@code 2g}
 * @param maxOffHeap       JavaCPP's {@code maxbytes}: off-heap memory ND4J may allocate
 * @param maxPhysical      JavaCPP's {@code maxphysicalbytes}: limit on the process's total memory
 * @param javacppCacheDir  where JavaCPP unpacks natives; one per concurrent fork avoids races
 * @param extraJvmArgs     more JVM options, appended last
 * @param timeout          kill the fork after this long
 * @param environment      more environment variables (the thread counts of the {@link ForkRequest} are set too)
 */
public record ForkOptions(Path javaExecutable, List<Path> classpath, Optional<String> maxHeap, Optional<String> maxOffHeap,
                          Optional<String> maxPhysical, Optional<Path> javacppCacheDir,
                          List<String> extraJvmArgs, Optional<Duration> timeout, Map<String, String> environment) {

    public static Path currentJava() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }
}
