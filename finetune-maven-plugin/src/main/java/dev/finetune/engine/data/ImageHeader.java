package dev.finetune.engine.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * What a PNG or JPEG file's header says, read in plain Java from its bytes (no ImageIO decoding, no native code), so
 * {@code finetune:validate} checks thousands of images in Maven's JVM in about a second. It finds what the training
 * JVM's decoder would choke on or silently misread: files that are no PNG or JPEG, truncated files, and pixel formats
 * other than 8 bits per channel grey, grey+alpha, RGB, RGBA or palette. A body corrupted between a sound header and
 * a sound end is found only when the training JVM decodes it (and reported there, by path, with all others).
 *
 * @param format   {@code PNG} or {@code JPEG}
 * @param channels colour channels as stored (PNG: 1 grey, 2 grey+alpha, 3 RGB or palette, 4 RGBA; JPEG: 1 or 3)
 */
public record ImageHeader(String format, int width, int height, int channels) {

    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    /** The last chunk of every PNG: length 0, type IEND, its CRC. */
    private static final byte[] PNG_END = {0, 0, 0, 0, 'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};
    /** JPEG's end-of-image marker may be followed by padding or metadata some writers append; looked for this far back. */
    private static final int JPEG_END_WINDOW = 1024;

    /** The header of {@code bytes}, or what is wrong with them: either one is present. */
    public record Read(Optional<ImageHeader> header, Optional<String> problem) {
        static Read ok(ImageHeader h) {
            return new Read(Optional.of(h), Optional.empty());
        }

        static Read bad(String problem) {
            return new Read(Optional.empty(), Optional.of(problem));
        }
    }

    public static Read of(byte[] bytes) {
        if (startsWith(bytes, PNG)) {
            return png(bytes);
        }
        if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xD8 && (bytes[2] & 0xff) == 0xFF) {
            return jpeg(bytes);
        }
        return Read.bad(bytes.length == 0 ? "empty file, not an image" : "not a PNG or JPEG image" + otherFormat(bytes)
                .map(f -> " (it is " + f + "; save it as PNG or JPEG)").orElse(""));
    }

    private static Read png(byte[] b) {
        if (b.length < 33 || !new String(b, 12, 4, StandardCharsets.ISO_8859_1).equals("IHDR")) {
            return Read.bad("truncated PNG: the file ends before its header (IHDR) is complete");
        }
        ByteBuffer ihdr = ByteBuffer.wrap(b, 16, 13);
        long width = Integer.toUnsignedLong(ihdr.getInt());
        long height = Integer.toUnsignedLong(ihdr.getInt());
        int depth = ihdr.get() & 0xff;
        int colour = ihdr.get() & 0xff;
        if (width == 0 || height == 0) {
            return Read.bad("PNG of " + width + "x" + height + " pixels: an image needs at least one");
        }
        int channels;
        switch (colour) {
            case 0 -> channels = 1;
            case 2, 3 -> channels = 3;
            case 4 -> channels = 2;
            case 6 -> channels = 4;
            default -> {
                return Read.bad("PNG with colour type " + colour + ", which the PNG standard does not define");
            }
        }
        boolean validDepth = colour == 0 ? depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
                : colour == 3 ? depth == 1 || depth == 2 || depth == 4 || depth == 8
                : depth == 8 || depth == 16;
        if (!validDepth) {
            return Read.bad("PNG with " + depth + " bits per channel for colour type " + colour + ", which the PNG standard does not allow");
        }
        if (depth == 16) {
            // the decoder would give 0..65535 where the scaling expects 0..255
            return Read.bad("PNG with 16 bits per channel; save it with 8 bits per channel");
        }
        if (!endsWith(b, PNG_END)) {
            return Read.bad("truncated PNG: the file does not end with the IEND chunk");
        }
        return Read.ok(new ImageHeader("PNG", (int) Math.min(width, Integer.MAX_VALUE), (int) Math.min(height, Integer.MAX_VALUE), channels));
    }

    private static Read jpeg(byte[] b) {
        int at = 2;
        while (true) {
            // markers: 0xFF, optional 0xFF fill bytes, then the marker code
            while (at < b.length && (b[at] & 0xff) == 0xFF) {
                at++;
            }
            if (at + 2 >= b.length) {
                return Read.bad("truncated JPEG: the file ends before its frame header (SOF)");
            }
            int marker = b[at] & 0xff;
            int length = ((b[at + 1] & 0xff) << 8) | (b[at + 2] & 0xff);
            if (marker == 0xD9 || marker == 0xDA) {
                return Read.bad("JPEG without a frame header (SOF) before its image data");
            }
            boolean standalone = marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
            boolean frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (frame) {
                if (at + 8 >= b.length) {
                    return Read.bad("truncated JPEG: the file ends inside its frame header (SOF)");
                }
                int precision = b[at + 3] & 0xff;
                int height = ((b[at + 4] & 0xff) << 8) | (b[at + 5] & 0xff);
                int width = ((b[at + 6] & 0xff) << 8) | (b[at + 7] & 0xff);
                int components = b[at + 8] & 0xff;
                if (precision != 8) {
                    return Read.bad(precision + "-bit JPEG; save it with 8 bits per channel");
                }
                if (components == 4) {
                    return Read.bad("CMYK JPEG (4 colour components); save it as RGB or greyscale");
                }
                if (components != 1 && components != 3) {
                    return Read.bad("JPEG with " + components + " colour components; save it as RGB or greyscale");
                }
                if (width == 0 || height == 0) {
                    return Read.bad("JPEG of " + width + "x" + height + " pixels in its frame header: not readable");
                }
                if (!containsNear(b, (byte) 0xFF, (byte) 0xD9)) {
                    return Read.bad("truncated JPEG: no end-of-image marker (FFD9) at the end of the file");
                }
                return Read.ok(new ImageHeader("JPEG", width, height, components));
            }
            at += standalone ? 1 : 1 + length;
        }
    }

    private static Optional<String> otherFormat(byte[] b) {
        if (startsWith(b, "GIF8".getBytes(StandardCharsets.ISO_8859_1))) {
            return Optional.of("a GIF image");
        }
        if (startsWith(b, "BM".getBytes(StandardCharsets.ISO_8859_1))) {
            return Optional.of("a BMP image");
        }
        if (startsWith(b, new byte[] {'I', 'I', 42, 0}) || startsWith(b, new byte[] {'M', 'M', 0, 42})) {
            return Optional.of("a TIFF image");
        }
        if (b.length >= 12 && new String(b, 0, 4, StandardCharsets.ISO_8859_1).equals("RIFF")
                && new String(b, 8, 4, StandardCharsets.ISO_8859_1).equals("WEBP")) {
            return Optional.of("a WebP image");
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean endsWith(byte[] b, byte[] suffix) {
        if (b.length < suffix.length) {
            return false;
        }
        for (int i = 0; i < suffix.length; i++) {
            if (b[b.length - suffix.length + i] != suffix[i]) {
                return false;
            }
        }
        return true;
    }

    private static boolean containsNear(byte[] b, byte first, byte second) {
        for (int i = b.length - 2; i >= Math.max(0, b.length - JPEG_END_WINDOW); i--) {
            if (b[i] == first && b[i + 1] == second) {
                return true;
            }
        }
        return false;
    }
}
