package dev.finetune.engine.model;

import io.jhdf.HdfFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipFile;

/**
 * A Keras 2 model saved as HDF5 ({@code model.save("model.h5")}): the model configuration in the root attribute
 * {@code model_config}, the weights under {@code model_weights}. Recognised by content: the HDF5 signature (at offset
 * 0, or after a user block at 512, 1024, 2048, ... bytes) and a {@code model_config} attribute. Inspected with a
 * pure-Java HDF5 reader ({@link KerasModelConfig}); loaded with DL4J's Keras importer ({@link KerasImport}), which
 * needs native HDF5 and ND4J.
 *
 * <p>Keras 3's {@code .keras} archives are recognised too, only to be refused with a message saying how to re-save
 * them: DL4J's importer does not read Keras 3 configurations.
 */
final class KerasH5Format implements BaseFormat {

    /** The HDF5 format signature. */
    static final byte[] SIGNATURE = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /** The furthest a superblock is looked for: after a user block of up to 1 MiB. */
    private static final long MAX_SUPERBLOCK_OFFSET = 1 << 20;

    @Override
    public String name() {
        return "keras";
    }

    @Override
    public boolean channelsLast() {
        return true;
    }

    @Override
    public String displayName() {
        return "Keras 2 HDF5 model";
    }

    @Override
    public String looksLike() {
        return "an HDF5 file (.h5) with a Keras model_config, as Keras 2's model.save(\"model.h5\") writes it";
    }

    @Override
    public boolean recognises(Path file) {
        if (isKeras3Archive(file)) {
            return true; // refused by inspect and load, with what to do instead
        }
        if (signatureOffset(file) < 0) {
            return false;
        }
        try (HdfFile hdf = new HdfFile(file)) {
            return hdf.getAttribute(KerasModelConfig.MODEL_CONFIG) != null;
        } catch (RuntimeException e) {
            return false; // HDF5 signature, but not a file jHDF can open
        }
    }

    @Override
    public BaseModelInfo inspect(Path file) {
        return KerasModelConfig.read(file).info();
    }

    @Override
    public Net load(Path file) {
        return KerasImport.load(file, KerasModelConfig.read(file));
    }

    /** Where the HDF5 superblock starts (0, 512, 1024, 2048, ...), or -1 when the file has no HDF5 signature. */
    static long signatureOffset(Path file) {
        try (var channel = Files.newByteChannel(file)) {
            long size = channel.size();
            java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(SIGNATURE.length);
            for (long offset = 0; offset + SIGNATURE.length <= size && offset <= MAX_SUPERBLOCK_OFFSET;
                 offset = offset == 0 ? 512 : offset * 2) {
                buffer.clear();
                channel.position(offset);
                while (buffer.hasRemaining() && channel.read(buffer) > 0) {
                    // fill the buffer
                }
                if (!buffer.hasRemaining() && Arrays.equals(buffer.array(), SIGNATURE)) {
                    return offset;
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** Whether {@code file} is a Keras 3 {@code .keras} archive: a zip with {@code config.json} and {@code model.weights.h5}. */
    static boolean isKeras3Archive(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            if (magic.length < 4 || magic[0] != 'P' || magic[1] != 'K') {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            return zip.getEntry("config.json") != null && zip.getEntry("model.weights.h5") != null;
        } catch (IOException e) {
            return false;
        }
    }
}
