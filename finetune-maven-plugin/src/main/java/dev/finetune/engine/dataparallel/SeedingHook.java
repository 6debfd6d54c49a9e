package dev.finetune.engine.dataparallel;

import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.spark.api.TrainingHook;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Seeds ND4J's generator on the worker before each minibatch (dropout masks, ...), from the epoch's seed, the Spark
 * partition and the minibatch itself. DL4J's workers do not seed it at all (a task thread's generator is whatever it
 * was), which would make every data-parallel run with dropout differ from the last. One hook per epoch: a worker gets
 * its own deserialised copy per task, so the count restarts with each task.
 */
final class SeedingHook implements TrainingHook {

    private final long epochSeed;
    private transient long count;

    SeedingHook(long epochSeed) {
        this.epochSeed = epochSeed;
    }

    @Override
    public void preUpdate(DataSet minibatch, Model model) {
        TaskContext task = TaskContext.get();
        int partition = task == null ? 0 : task.partitionId();
        // the minibatch's contents tell the averaging rounds apart (each round restarts the partitions and the count)
        long content = Double.doubleToLongBits(minibatch.getFeatures().sumNumber().doubleValue());
        Nd4j.getRandom().setSeed(epochSeed * 1_000_003L + partition * 7_919L + (count++) * 31L + content);
    }

    @Override
    public void postUpdate(DataSet minibatch, Model model) {
    }

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
        TaskContext task = TaskContext.get();
        Nd4j.getRandom().setSeed(epochSeed * 1_000_003L + (task == null ? 0 : task.partitionId()) * 7_919L + (count++) * 31L
                + Double.doubleToLongBits(minibatch.getFeatures(0).sumNumber().doubleValue()));
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {
    }
}
