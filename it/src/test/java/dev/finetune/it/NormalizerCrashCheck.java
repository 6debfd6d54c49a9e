package dev.finetune.it;

import dev.finetune.engine.data.LabeledRows;
import dev.finetune.engine.data.RowBatches;
import dev.finetune.engine.data.RowStatistics;
import dev.finetune.spec.FinetuneSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.preprocessor.DataNormalization;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Iterator;
import java.util.Optional;
import java.util.Random;

/**
 * Not a CI test: the check behind {@code RowScaling}. Scales 64 x 64 batches for a while under steady garbage
 * collection (a thread allocating 64 KiB arrays) either with ND4J's own normaliser {@code transform} (mode
 * {@code nd4j}, its row-vector broadcasts) or as the plugin's streamed batches do ({@code streamed}). Run it with a
 * small heap, e.g. {@code java -Xmx32m -cp <it test classpath> dev.finetune.it.NormalizerCrashCheck nd4j 30}: with
 * ND4J 1.0.0-M2.1 the {@code nd4j} mode died with SIGSEGV in {@code sd::DataBuffer::primary()} within 30 s in every
 * run here; {@code streamed} ran 9,000-20,000 batches per 30 s without one (standardize and minMax).
 */
public final class NormalizerCrashCheck {

    public static void main(String[] args) {
        String mode = args[0];
        long seconds = Long.parseLong(args[1]);
        FinetuneSpec.Normalization kind = args.length > 2 ? FinetuneSpec.Normalization.valueOf(args[2])
                : FinetuneSpec.Normalization.standardize;
        Random random = new Random(1);
        int n = 4096;
        int width = 64;
        float[][] x = new float[n][width];
        int[] labels = new int[n];
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) {
            for (int f = 0; f < width; f++) {
                x[i][f] = random.nextInt(17);
            }
            labels[i] = random.nextInt(10);
            rows[i] = i + 1;
        }
        LabeledRows data = new LabeledRows("check", x, labels, rows);
        Optional<DataNormalization> normalizer = RowStatistics.fit(kind, data);
        RowBatches streamed = new RowBatches(data, 10, normalizer);
        RowBatches raw = new RowBatches(data, 10, Optional.empty());
        Thread garbage = new Thread(() -> {
            byte[][] keep = new byte[64][];
            for (int i = 0; ; i++) {
                keep[i & 63] = new byte[1 << 16];
            }
        });
        garbage.setDaemon(true);
        garbage.start();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long count = 0;
        double sum = 0;
        while (System.nanoTime() < end) {
            Iterator<DataSet> it = (mode.equals("nd4j") ? raw : streamed).shuffled(64, random);
            while (it.hasNext() && System.nanoTime() < end) {
                DataSet batch = it.next();
                if (mode.equals("nd4j")) {
                    normalizer.orElseThrow().transform(batch);
                }
                sum += batch.getFeatures().castTo(DataType.DOUBLE).sumNumber().doubleValue();
                count++;
            }
        }
        System.out.println(mode + ": " + count + " batches without a crash (checksum " + sum + ", " + Nd4j.getBackend() + ")");
    }
}
