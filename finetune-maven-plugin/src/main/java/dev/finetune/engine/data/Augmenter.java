package dev.finetune.engine.data;

import dev.finetune.spec.FinetuneSpec.AugmentationSpec;

import java.util.SplittableRandom;

/**
 * Random flips, shifts, rotations and brightness changes of one image held as a flat row of 0..255 values, in plain
 * Java. Written here rather than with DataVec's ImageTransforms, which run on OpenCV Mats with their own random
 * sources: this works on the rows training already holds, in either channel layout, and is bit-for-bit the same for
 * the same seed on every machine (float arithmetic in a fixed order, no native code). Geometry is one inverse mapping
 * per output pixel (mirror, then shift, then rotation about the centre), bilinear when rotating, nearest otherwise;
 * pixels that come from outside the image are 0 (black).
 */
final class Augmenter {

    private final AugmentationSpec spec;
    private final ImageShape shape;

    Augmenter(AugmentationSpec spec, ImageShape shape) {
        this.spec = spec;
        this.shape = shape;
    }

    /** A changed copy of {@code image}; {@code random} decides every choice, drawn in a fixed order. */
    float[] apply(float[] image, SplittableRandom random) {
        boolean flipX = (spec.flip() == AugmentationSpec.Flip.horizontal || spec.flip() == AugmentationSpec.Flip.both) && random.nextBoolean();
        boolean flipY = (spec.flip() == AugmentationSpec.Flip.vertical || spec.flip() == AugmentationSpec.Flip.both) && random.nextBoolean();
        int dx = spec.shift() > 0 ? random.nextInt(-spec.shift(), spec.shift() + 1) : 0;
        int dy = spec.shift() > 0 ? random.nextInt(-spec.shift(), spec.shift() + 1) : 0;
        double angle = spec.rotate() > 0 ? Math.toRadians(random.nextDouble(-spec.rotate(), spec.rotate())) : 0;
        float factor = spec.brightness() > 0 ? (float) random.nextDouble(1 - spec.brightness(), 1 + spec.brightness()) : 1f;

        int h = shape.height();
        int w = shape.width();
        int c = shape.channels();
        float[] out = new float[image.length];
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        double cy = (h - 1) / 2.0;
        double cx = (w - 1) / 2.0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                // undo the rotation about the centre, then the shift, then the mirror
                double ry = angle == 0 ? y : cy + (y - cy) * cos - (x - cx) * sin;
                double rx = angle == 0 ? x : cx + (y - cy) * sin + (x - cx) * cos;
                double sy = ry - dy;
                double sx = rx - dx;
                if (flipY) {
                    sy = h - 1 - sy;
                }
                if (flipX) {
                    sx = w - 1 - sx;
                }
                for (int ch = 0; ch < c; ch++) {
                    float v = angle == 0 ? nearest(image, sy, sx, ch) : bilinear(image, sy, sx, ch);
                    out[shape.index(y, x, ch)] = Math.min(255f, Math.max(0f, v * factor));
                }
            }
        }
        return out;
    }

    private float nearest(float[] image, double sy, double sx, int ch) {
        int y = (int) Math.round(sy);
        int x = (int) Math.round(sx);
        return pixel(image, y, x, ch);
    }

    private float bilinear(float[] image, double sy, double sx, int ch) {
        int y0 = (int) Math.floor(sy);
        int x0 = (int) Math.floor(sx);
        float fy = (float) (sy - y0);
        float fx = (float) (sx - x0);
        float top = pixel(image, y0, x0, ch) * (1 - fx) + pixel(image, y0, x0 + 1, ch) * fx;
        float bottom = pixel(image, y0 + 1, x0, ch) * (1 - fx) + pixel(image, y0 + 1, x0 + 1, ch) * fx;
        return top * (1 - fy) + bottom * fy;
    }

    private float pixel(float[] image, int y, int x, int ch) {
        return y < 0 || x < 0 || y >= shape.height() || x >= shape.width() ? 0f : image[shape.index(y, x, ch)];
    }

    /** The generator for one example in one epoch: a SplitMix64 mix of the two, so neighbours are unrelated. */
    static SplittableRandom random(long epochSeed, int example) {
        long z = epochSeed + 0x9E3779B97F4A7C15L * (example + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 31));
    }
}
