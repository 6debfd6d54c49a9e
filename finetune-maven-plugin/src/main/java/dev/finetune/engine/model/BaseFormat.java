package dev.finetune.engine.model;

import dev.finetune.engine.UserInputException;
import dev.finetune.spec.FinetuneSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A kind of file a base model comes in. Each format recognises its files by content (not by name), inspects them
 * without ND4J (for {@code finetune:validate}, which runs in Maven's JVM) and loads them as a network (in the training
 * JVM). The first is DL4J's own model zip, the second Keras 2's {@code .h5}, the third ONNX, which has no DL4J
 * network: it is a frozen body whose outputs a new head trains on ({@link BaseModelInfo#frozenOnly()}).
 */
public sealed interface BaseFormat permits Dl4jZipFormat, KerasH5Format, OnnxFormat {

    /** Every format this plugin reads, in the order they are tried. */
    List<BaseFormat> ALL = List.of(new Dl4jZipFormat(), new KerasH5Format(), new OnnxFormat());

    /** The format's name in the spec's {@code base.format}: {@code dl4j}, {@code keras}, {@code onnx}. */
    String name();

    /** A short name for messages, e.g. {@code DL4J model zip}. */
    String displayName();

    /** What a file of this format looks like, for the message when a file is of no known format. */
    String looksLike();

    /** Whether {@code file} is of this format, judged by its content; reads as little as it can. */
    boolean recognises(Path file);

    /**
     * Whether the network takes an image as a flat row with the channels last ({@code [height, width, channels]}, as
     * Keras flattens images) rather than first ({@code [channels, height, width]}, DL4J's convolutional-flat input).
     */
    boolean channelsLast();

    /**
     * {@link #channelsLast()} of this file: the same for every file of a format whose layout is fixed; an ONNX
     * model's is read from its input's shape.
     */
    default boolean channelsLast(Path file) {
        return channelsLast();
    }

    /** Layers, input shape and parameter counts, read from the model's configuration: no weights, no ND4J. */
    BaseModelInfo inspect(Path file);

    /** The network with its pretrained parameters. Needs ND4J: call it in the training JVM only. */
    Net load(Path file);

    /** The format of {@code file}; a user error naming the formats that exist when none recognises it. */
    static BaseFormat of(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": base model not found");
        }
        for (BaseFormat format : ALL) {
            if (format.recognises(file)) {
                return format;
            }
        }
        damagedZip(file).ifPresent(why -> {
            throw new UserInputException(file + ": a damaged or truncated zip (" + why + "): copy or download it again; a"
                    + " zip in a local Maven repository is left so by an `install` killed while it copied (Maven before 3.9"
                    + " copies in place): rerun that `mvn install`, or delete the file so that it is resolved again");
        });
        throw new UserInputException(file + ": not a readable base model; the formats this plugin reads are: "
                + ALL.stream().map(f -> f.displayName() + " (" + f.looksLike() + ")").collect(Collectors.joining(", "))
                + (isZip(file) ? "; this file is a zip or jar archive: name the model file inside it with `base.entry`" : ""));
    }

    /**
     * The format {@code file} is read as: the one named (the spec's {@code base.format}) when given, else the one
     * that recognises it by content. A named format that does not recognise the file is a user error saying what the
     * file looks like instead.
     */
    static BaseFormat of(Path file, Optional<String> name) {
        if (name.isEmpty()) {
            return of(file);
        }
        BaseFormat named = ALL.stream().filter(f -> f.name().equals(name.get())).findFirst()
                .orElseThrow(() -> new UserInputException("`base.format` is `" + name.get() + "`; the formats are: "
                        + ALL.stream().map(BaseFormat::name).collect(Collectors.joining(", "))));
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": base model not found");
        }
        if (named.recognises(file)) {
            return named;
        }
        String actually = ALL.stream().filter(f -> f != named && f.recognises(file)).findFirst()
                .map(f -> "it is a " + f.displayName() + " (`base.format: " + f.name() + "`, or leave `base.format` out)")
                .orElse("it is none of the formats this plugin reads");
        throw new UserInputException(file + ": `base.format` is `" + named.name() + "` but the file is not a "
                + named.displayName() + " (" + named.looksLike() + "); " + actually);
    }

    /** The format of the spec's base: the one {@code base.format} names, else the one recognised by content. */
    static BaseFormat of(Path file, FinetuneSpec.BaseSpec base) {
        return of(file, base.format().map(Enum::name));
    }

    /** Whether the spec's base is an ONNX body (by {@code base.format}, else by content), without reading more of it. */
    static boolean isOnnx(Path file, FinetuneSpec.BaseSpec base) {
        return of(file, base) instanceof OnnxFormat;
    }

    /** Why a file that starts as a zip does not open as one (a cut-short copy has no central directory), if it does not. */
    private static Optional<String> damagedZip(Path file) {
        if (!isZip(file)) {
            return Optional.empty();
        }
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(file.toFile())) {
            return Optional.empty();
        } catch (java.io.IOException e) {
            return Optional.of(e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
        }
    }

    private static boolean isZip(Path file) {
        try (var in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(4);
            return head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** {@link #inspect} of whatever format {@code file} is. */
    static BaseModelInfo inspectAny(Path file) {
        return of(file).inspect(file);
    }

    /** {@link #load} of whatever format {@code file} is. */
    static Net loadAny(Path file) {
        return of(file).load(file);
    }
}
