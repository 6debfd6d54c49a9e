package dev.finetune.engine.train;

import dev.finetune.engine.model.Net;
import org.nd4j.linalg.dataset.DataSet;

import java.util.List;

/**
 * Fits one epoch's minibatches somewhere else than in this thread's loop: data-parallel training on Spark
 * ({@code dev.finetune.engine.dataparallel}). {@link TrainingRun} keeps everything around the fit (shuffling, validation,
 * early stopping, checkpoints, reports), so a distributed run is reported like a local one.
 */
public interface EpochFitter {

    /**
     * Updates {@code net}'s parameters (in place) from the epoch's minibatches.
     *
     * @param batches   the epoch's minibatches in the order a local run would fit them (the run's seeded shuffle)
     * @param epochSeed the seed a local run gives ND4J's generator for this epoch (dropout, ...)
     * @return the training loss to report for the epoch (the fitter's own measure of it; see its documentation)
     */
    double fit(Net net, List<DataSet> batches, long epochSeed);
}
