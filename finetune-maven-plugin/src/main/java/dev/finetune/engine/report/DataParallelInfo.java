package dev.finetune.engine.report;

/**
 * How a data-parallel training ran ({@code -Dfinetune.spark.mode=data-parallel}): recorded in {@code run.json} and the
 * model's lineage, since parameter averaging gives other parameters than one machine's loop (and other ones again
 * with another number of workers or averaging frequency).
 *
 * @param executor           {@code spark}
 * @param master             the Spark master ({@code local[2]}, {@code spark://host:7077}, ...)
 * @param sparkVersion       the Spark version the driver ran
 * @param workers            the workers the data was split over (Spark's default parallelism)
 * @param averagingFrequency minibatches each worker fits between two averagings
 * @param batchSizePerWorker examples per minibatch on a worker (the spec's {@code training.batchSize})
 * @param method             what combines the workers' results
 */
public record DataParallelInfo(String executor, String master, String sparkVersion, int workers, int averagingFrequency,
                               int batchSizePerWorker, String method) {

    public static final String PARAMETER_AVERAGING = "parameter averaging (DL4J ParameterAveragingTrainingMaster, updater state averaged too)";
}
