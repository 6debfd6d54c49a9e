package dev.finetune.engine.event;

import java.util.List;
import java.util.function.Consumer;

/**
 * Where the engine sends its {@link JobEvent}s: the fork's framed stdout, the events file, the Maven log, a test.
 * Implementations must accept events from several threads (sweep trials run in parallel).
 */
@FunctionalInterface
public interface EventSink {

    /** Drops every event. */
    EventSink NONE = event -> {
    };

    void emit(JobEvent event);

    default void info(String message) {
        emit(new JobEvent.Info(message));
    }

    default void warn(String message) {
        emit(new JobEvent.Warning(message));
    }

    /** Each event that reads as a log line ({@link EventText}), as that line's text. */
    static EventSink lines(Consumer<String> out) {
        return event -> EventText.line(event).ifPresent(line -> out.accept(line.text()));
    }

    /** Log lines on stdout with their level, {@code [INFO] ...}: for tests, benchmarks and debugging. */
    static EventSink toStdout() {
        return event -> EventText.line(event).ifPresent(line -> System.out.println("[" + line.level() + "] " + line.text()));
    }

    /** Sends each event to every sink, in order. */
    static EventSink all(List<EventSink> sinks) {
        List<EventSink> copy = List.copyOf(sinks);
        return event -> copy.forEach(s -> s.emit(event));
    }
}
