package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.ImageSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The size images are resized to and the order a flat row lists their values in: channels first ({@code [c, h, w]},
 * as DL4J's convolutional-flat input takes it) or channels last ({@code [h, w, c]}, as a Keras image flattens).
 */
public record ImageShape(int height, int width, int channels, boolean channelsLast) {

    /** Values per image, i.e. per flat row. */
    public int size() {
        return height * width * channels;
    }

    /** The position of pixel (y, x), channel c in a flat row. */
    public int index(int y, int x, int c) {
        return channelsLast ? (y * width + x) * channels + c : (c * height + y) * width + x;
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels + (channelsLast ? " (channels last)" : " (channels first)");
    }

    /**
     * What the base says about its input, for sizing images: its input shape as inspected (see
     * {@code BaseModelInfo#inputShape}) and whether it takes channels last.
     */
    public record BaseInput(Optional<List<Long>> shape, boolean channelsLast) {

        /** Nothing known: the spec must give every size. */
        public static final BaseInput UNKNOWN = new BaseInput(Optional.empty(), false);
    }

    /**
     * The spec's sizes, each defaulting to the base's; a problem message when one is neither in the spec nor in the
     * base's input shape.
     */
    static Result resolve(ImageSpec spec, BaseInput base) {
        Optional<Integer> h = spec.height();
        Optional<Integer> w = spec.width();
        Optional<Integer> c = spec.channels();
        if (base.shape().isPresent() && base.shape().get().size() == 3) {
            List<Long> s = base.shape().get();
            int baseH = (int) (long) (base.channelsLast() ? s.get(0) : s.get(1));
            int baseW = (int) (long) (base.channelsLast() ? s.get(1) : s.get(2));
            int baseC = (int) (long) (base.channelsLast() ? s.get(2) : s.get(0));
            h = h.or(() -> Optional.of(baseH));
            w = w.or(() -> Optional.of(baseW));
            c = c.or(() -> Optional.of(baseC));
        }
        List<String> missing = new ArrayList<>();
        if (h.isEmpty()) {
            missing.add("height");
        }
        if (w.isEmpty()) {
            missing.add("width");
        }
        if (c.isEmpty()) {
            missing.add("channels");
        }
        if (!missing.isEmpty()) {
            return new Result(Optional.empty(), Optional.of("the base's input shape "
                    + base.shape().map(Object::toString).orElse("(not stated in its configuration)")
                    + " does not give the image size: set `dataset.image` " + String.join(", ", missing)));
        }
        if (c.get() != 1 && c.get() != 3) {
            return new Result(Optional.empty(), Optional.of("the base takes " + c.get() + " input channels; images have 1 (grey) "
                    + "or 3 (RGB): set `dataset.image.channels`"));
        }
        return new Result(Optional.of(new ImageShape(h.get(), w.get(), c.get(), base.channelsLast())), Optional.empty());
    }

    /** A shape, or why there is none. */
    record Result(Optional<ImageShape> shape, Optional<String> problem) {
    }
}
