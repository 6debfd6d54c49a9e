package dev.finetune.engine.data;

import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.image.loader.NativeImageLoader;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.List;

/**
 * Decodes images with DataVec's {@link NativeImageLoader} (OpenCV): resized to the shape's height and width (the
 * aspect ratio is not kept), converted to its channel count, values 0..255, and laid out as a flat row in the shape's
 * order with colour channels R, G, B (OpenCV's own order is B, G, R). Each class comes from DataVec's
 * {@link ParentPathLabelGenerator}, the name of the folder an image is in. Runs in the training JVM only. One image
 * is decoded at a time and only its resized pixels are kept, so large photos are never all in memory.
 */
final class ImageDecoder {

    private final ImageShape shape;
    private final NativeImageLoader loader;
    private final PathLabelGenerator labels = new ParentPathLabelGenerator();

    ImageDecoder(ImageShape shape) {
        this.shape = shape;
        this.loader = new NativeImageLoader(shape.height(), shape.width(), shape.channels());
    }

    /** The images' rows, in order; each image that does not decode is added to {@code problems}, by path. */
    LabeledRows decode(String source, List<ImageFolder.Image> images, List<String> classes, List<String> problems) {
        float[][] features = new float[images.size()][];
        int[] labelIndex = new int[images.size()];
        int[] rows = new int[images.size()];
        for (int i = 0; i < images.size(); i++) {
            ImageFolder.Image image = images.get(i);
            String label = labels.getLabelForPath(image.file().toUri()).toString();
            if (!label.equals(classes.get(image.label()))) {
                throw new IllegalStateException(image.display() + ": DataVec labels it `" + label + "`, the listing `"
                        + classes.get(image.label()) + "`");
            }
            try {
                features[i] = row(loader.asMatrix(image.file().toFile()));
            } catch (IOException | RuntimeException e) {
                problems.add(image.display() + ": cannot be decoded (" + (e.getMessage() == null ? e.getClass().getSimpleName()
                        : e.getMessage().lines().findFirst().orElse("")) + "); the file is damaged: replace or remove it");
                features[i] = new float[shape.size()];
            }
            labelIndex[i] = image.label();
            rows[i] = i + 1;
        }
        return new LabeledRows(source, features, labelIndex, rows);
    }

    /** [1, c, h, w] in OpenCV's B, G, R order to one flat row in the shape's layout, R, G, B. */
    private float[] row(INDArray chw) {
        if (chw == null || chw.length() != shape.size()) {
            throw new IllegalStateException("decoded to " + (chw == null ? "nothing" : java.util.Arrays.toString(chw.shape())));
        }
        float[] in = Nd4j.toFlattened('c', chw.castTo(DataType.FLOAT)).toFloatVector();
        float[] out = new float[in.length];
        int h = shape.height();
        int w = shape.width();
        int c = shape.channels();
        for (int ch = 0; ch < c; ch++) {
            int rgb = c == 3 ? 2 - ch : ch;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    out[shape.index(y, x, rgb)] = in[(ch * h + y) * w + x];
                }
            }
        }
        return out;
    }
}
