package dev.finetune.engine.fork;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.finetune.engine.event.EventJson;
import dev.finetune.engine.event.EventSink;
import dev.finetune.engine.event.JobEvent;

import java.io.PrintStream;
import java.util.Optional;

/**
 * How events travel from the training JVM to the build: one line each on the fork's stdout, the event's JSON after a
 * prefix no library prints. Everything else on stdout or stderr (DL4J's SLF4J lines, ND4J, the JVM itself) is
 * relayed as plain output and never read as the job's own messages.
 */
public final class ForkProtocol {

    public static final String PREFIX = "@@finetune-event ";

    private ForkProtocol() {
    }

    public static String frame(JobEvent event) {
        return PREFIX + EventJson.write(event);
    }

    /** The event a line frames; empty for any other line. A framed line that does not parse is a bug: it throws. */
    public static Optional<JobEvent> parse(String line) throws JsonProcessingException {
        return line.startsWith(PREFIX) ? Optional.of(EventJson.read(line.substring(PREFIX.length()))) : Optional.empty();
    }

    /** Frames every event onto {@code out}, one println each (PrintStream locks per call, so lines never interleave). */
    public static EventSink framedTo(PrintStream out) {
        return event -> out.println(frame(event));
    }
}
