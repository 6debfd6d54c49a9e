package dev.finetune.engine.event;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;

/**
 * Appends events to a JSON-lines file ({@code target/finetune/events.jsonl}), each line flushed as it is written so the
 * file holds everything up to a crash. Each line is the event's JSON with the wall-clock time in {@code "at"} first.
 */
public final class EventsFile implements EventSink, Closeable {

    private final BufferedWriter out;
    private final Clock clock;

    private EventsFile(BufferedWriter out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    /** @param fresh start the file anew (a training); else append to it (an evaluation after that training) */
    public static EventsFile open(Path file, boolean fresh) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        BufferedWriter writer = fresh
                ? Files.newBufferedWriter(file, StandardCharsets.UTF_8)
                : Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        return new EventsFile(writer, Clock.systemUTC());
    }

    @Override
    public synchronized void emit(JobEvent event) {
        String json = EventJson.write(event);
        try {
            out.write("{\"at\":\"" + clock.instant() + "\"," + json.substring(1));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the events file: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
