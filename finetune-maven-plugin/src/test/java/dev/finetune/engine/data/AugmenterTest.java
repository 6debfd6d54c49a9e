package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.AugmentationSpec;
import dev.finetune.spec.FinetuneSpec.AugmentationSpec.Flip;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plain-Java augmentation: exact geometry, both channel layouts, and the same result for the same seed. */
class AugmenterTest {

    private static final ImageShape GREY = new ImageShape(3, 4, 1, false);

    /** 0, 1, 2, ... in row order. */
    private static float[] ramp(ImageShape shape) {
        float[] image = new float[shape.size()];
        for (int i = 0; i < image.length; i++) {
            image[i] = i;
        }
        return image;
    }

    /** A generator whose first boolean is {@code first}: found by trying seeds, so the test states what it checks. */
    private static long seedWhoseFirstBooleanIs(boolean first) {
        for (long s = 0; ; s++) {
            if (new SplittableRandom(s).nextBoolean() == first) {
                return s;
            }
        }
    }

    @Test
    void aHorizontalFlipMirrorsEachRowExactly() {
        Augmenter flip = new Augmenter(new AugmentationSpec(Flip.horizontal, 0, 0, 0), GREY);
        float[] out = flip.apply(ramp(GREY), new SplittableRandom(seedWhoseFirstBooleanIs(true)));
        assertArrayEquals(new float[] {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8}, out);
        float[] kept = flip.apply(ramp(GREY), new SplittableRandom(seedWhoseFirstBooleanIs(false)));
        assertArrayEquals(ramp(GREY), kept);
    }

    @Test
    void aVerticalFlipMirrorsRowsInEitherLayout() {
        ImageShape rgbLast = new ImageShape(2, 1, 3, true);
        Augmenter flip = new Augmenter(new AugmentationSpec(Flip.vertical, 0, 0, 0), rgbLast);
        // [h, w, c]: pixel (0,0) = 0,1,2; pixel (1,0) = 3,4,5
        assertArrayEquals(new float[] {3, 4, 5, 0, 1, 2}, flip.apply(ramp(rgbLast), new SplittableRandom(seedWhoseFirstBooleanIs(true))));
    }

    @Test
    void shiftsMoveByWholePixelsAndFillWithBlack() {
        Augmenter shift = new Augmenter(new AugmentationSpec(Flip.none, 1, 0, 0), GREY);
        for (long seed = 0; seed < 20; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            int dx = r.nextInt(-1, 2);
            int dy = r.nextInt(-1, 2);
            float[] out = shift.apply(ramp(GREY), new SplittableRandom(seed));
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    int sy = y - dy;
                    int sx = x - dx;
                    float expected = sy < 0 || sx < 0 || sy >= 3 || sx >= 4 ? 0 : sy * 4 + sx;
                    assertEquals(expected, out[y * 4 + x], "seed " + seed + " at " + y + "," + x);
                }
            }
        }
    }

    @Test
    void brightnessScalesAndClipsTo255() {
        Augmenter bright = new Augmenter(new AugmentationSpec(Flip.none, 0, 0, 0.5), GREY);
        float[] white = new float[GREY.size()];
        java.util.Arrays.fill(white, 250);
        float[] out = bright.apply(white, new SplittableRandom(1));
        double factor = new SplittableRandom(1).nextDouble(0.5, 1.5);
        assertEquals((float) Math.min(255, 250 * (float) factor), out[0]);
        for (float v : out) {
            assertTrue(v >= 0 && v <= 255);
        }
    }

    @Test
    void theSameSeedGivesTheSameImageAndNeighboursDiffer() {
        ImageShape shape = new ImageShape(28, 28, 1, false);
        Augmenter all = new Augmenter(new AugmentationSpec(Flip.both, 3, 15, 0.2), shape);
        float[] image = ramp(shape);
        for (int i = 0; i < image.length; i++) {
            image[i] = image[i] % 256;
        }
        assertArrayEquals(all.apply(image, Augmenter.random(7, 3)), all.apply(image, Augmenter.random(7, 3)));
        assertNotEquals(java.util.Arrays.toString(all.apply(image, Augmenter.random(7, 3))),
                java.util.Arrays.toString(all.apply(image, Augmenter.random(7, 4))));
        assertNotEquals(java.util.Arrays.toString(all.apply(image, Augmenter.random(7, 3))),
                java.util.Arrays.toString(all.apply(image, Augmenter.random(8, 3))));
    }

    @Test
    void aRotationByZeroDegreesChangesNothing() {
        Augmenter none = new Augmenter(new AugmentationSpec(Flip.none, 0, 0, 0), GREY);
        assertArrayEquals(ramp(GREY), none.apply(ramp(GREY), new SplittableRandom(5)));
    }
}
