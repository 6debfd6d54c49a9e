package dev.finetune.engine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Real PNG and JPEG files for image-data tests, written with the JDK's ImageIO. */
public final class TestImages {

    private TestImages() {
    }

    /** A grey PNG whose pixel (y, x) is {@code (seed + 7 y + 3 x) mod 256}: every image of another seed differs. */
    public static byte[] greyPng(int height, int width, int seed) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.getRaster().setSample(x, y, 0, (seed + 7 * y + 3 * x) & 0xff);
            }
        }
        return encode(image, "png");
    }

    /** An RGB image of one colour. */
    public static byte[] rgb(int height, int width, int r, int g, int b, String format) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return encode(image, format);
    }

    /** A PNG with 16 bits per grey value. */
    public static byte[] grey16Png(int height, int width) throws IOException {
        return encode(new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY), "png");
    }

    public static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IllegalStateException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }

    /** A JPEG header alone (SOI, a baseline frame header, EOI) with the given precision and component count. */
    public static byte[] jpegHeader(int precision, int components) {
        int length = 8 + 3 * components;
        byte[] b = new byte[2 + 2 + length + 2];
        int i = 0;
        b[i++] = (byte) 0xFF;
        b[i++] = (byte) 0xD8;
        b[i++] = (byte) 0xFF;
        b[i++] = (byte) 0xC0;
        b[i++] = (byte) (length >> 8);
        b[i++] = (byte) length;
        b[i++] = (byte) precision;
        b[i++] = 0;
        b[i++] = 8; // height 8
        b[i++] = 0;
        b[i++] = 8; // width 8
        b[i++] = (byte) components;
        for (int c = 0; c < components; c++) {
            b[i++] = (byte) (c + 1);
            b[i++] = 0x11;
            b[i++] = 0;
        }
        b[i++] = (byte) 0xFF;
        b[i] = (byte) 0xD9;
        return b;
    }

    /**
     * A folder of {@code perClass} grey 28x28 PNGs per class (distinct content each), one sub-folder per class.
     */
    public static void folder(Path root, int perClass, String... classes) throws IOException {
        folder(root, 0, perClass, classes);
    }

    /** As {@link #folder(Path, int, String...)}, contents from {@code seed} on (other seeds, other images). */
    public static void folder(Path root, int seed, int perClass, String... classes) throws IOException {
        for (String c : classes) {
            Files.createDirectories(root.resolve(c));
            for (int i = 0; i < perClass; i++) {
                Files.write(root.resolve(c).resolve(String.format("%03d.png", i)), greyPng(28, 28, seed++));
            }
        }
    }
}
