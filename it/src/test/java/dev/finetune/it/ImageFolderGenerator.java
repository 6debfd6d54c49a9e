package dev.finetune.it;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Writes Fashion-MNIST (or MNIST) IDX files as an image folder: one sub-folder per class, 28x28 greyscale PNGs, the
 * first {@code perClass} images of each class in file order. Makes the image-folder IT's data, and large folders for
 * measuring the data check:
 * <pre>
 * mvn -B -q -pl it test-compile exec:java -Pgenerate-images                                  # the IT's 50 per class
 * mvn -B -q -pl it test-compile exec:java -Pgenerate-images -Dimages.perClass=1000 -Dimages.out=/tmp/fashion-10k -Dimages.set=train
 * </pre>
 * Arguments: the folder with the IDX files (Debian's {@code dataset-fashion-mnist} installs them in
 * /usr/share/datasets/fashion-mnist), the output folder, images per class, and {@code t10k} or {@code train}.
 */
public final class ImageFolderGenerator {

    /** Fashion-MNIST's classes by label, as folder names. */
    static final List<String> FASHION = List.of("tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle-boot");

    public static void main(String[] args) throws IOException {
        Path idx = Path.of(args.length > 0 ? args[0] : "/usr/share/datasets/fashion-mnist");
        Path out = Path.of(args.length > 1 ? args[1] : "src/it/image-folder/photos");
        int perClass = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        String set = args.length > 3 ? args[3] : "t10k";
        int written = write(idx.resolve(set + "-images-idx3-ubyte.gz"), idx.resolve(set + "-labels-idx1-ubyte.gz"), out, perClass);
        System.out.println("wrote " + written + " PNGs to " + out);
    }

    static int write(Path images, Path labels, Path out, int perClass) throws IOException {
        try (DataInputStream img = new DataInputStream(gunzip(images)); DataInputStream lab = new DataInputStream(gunzip(labels))) {
            if (img.readInt() != 2051 || lab.readInt() != 2049) {
                throw new IOException("not IDX image/label files: " + images + ", " + labels);
            }
            int n = img.readInt();
            int rows = img.readInt();
            int cols = img.readInt();
            lab.readInt();
            int[] count = new int[FASHION.size()];
            int written = 0;
            byte[] pixels = new byte[rows * cols];
            for (int i = 0; i < n && written < perClass * FASHION.size(); i++) {
                img.readFully(pixels);
                int label = lab.readUnsignedByte();
                if (count[label] >= perClass) {
                    continue;
                }
                BufferedImage image = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
                image.getRaster().setDataElements(0, 0, cols, rows, pixels);
                Path file = out.resolve(FASHION.get(label)).resolve(String.format("%05d.png", i));
                Files.createDirectories(file.getParent());
                ImageIO.write(image, "png", file.toFile());
                count[label]++;
                written++;
            }
            return written;
        }
    }

    private static InputStream gunzip(Path file) throws IOException {
        return new GZIPInputStream(Files.newInputStream(file));
    }
}
