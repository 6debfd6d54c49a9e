// Data-parallel training on Spark (local[2]) through Maven: DL4J's Spark training is resolved for the training JVM
// only when asked for, the model passes the spec's gates (which the same spec trained locally passes too), and
// run.json, the packaged lineage and the model card say how it was distributed.
import groovy.json.JsonSlurper
import java.util.zip.ZipFile

def spark = new File(basedir, 'build.log').text
assert spark =~ /Data-parallel training on Spark \(parameter averaging every 2 minibatches\), master local\[2\]/
assert spark =~ /data-parallel: on Spark 3\.5\.[0-9]+ \(local\[2\]\), 2 workers, parameter averaging every 2 minibatch\(es\) of 16 per worker/
assert spark =~ /data-parallel: 4 epoch\(s\) fitted on Spark/
assert spark =~ /BUILD SUCCESS/ : 'the model passes the gates (finetune:evaluate fails the build otherwise)'

def out = new File(basedir, 'target/finetune')
def run = new JsonSlurper().parse(new File(out, 'run.json'))
assert run.dataParallel.executor == 'spark' && run.dataParallel.master == 'local[2]' && run.dataParallel.workers == 2
assert run.dataParallel.averagingFrequency == 2 && run.dataParallel.batchSizePerWorker == 16
assert run.dataParallel.method.startsWith('parameter averaging')
def metrics = new JsonSlurper().parse(new File(out, 'metrics.json'))
assert metrics.test.accuracy >= 0.85 && metrics.training.epochs.size() == 4

def archive = new File(basedir, 'target').listFiles().find { it.name.endsWith('-model.zip') }
assert archive != null : 'the model artifact'
def zip = new ZipFile(archive)
def entry = zip.getEntry('finetune/lineage.json')
def lineage = new JsonSlurper().parse(zip.getInputStream(entry))
assert lineage.tools.dataParallel.workers == 2 && lineage.tools.dataParallel.averagingFrequency == 2
def card = zip.getEntry('finetune/model-card.md')
assert zip.getInputStream(card).text.contains('not bit-identical to a training in one JVM')
zip.close()

def accuracy = (spark =~ /fine-tuned model on test \([0-9]+ examples\): accuracy ([0-9.]+)/)[0][1]
println "spark-data-parallel IT: data-parallel build ${(spark =~ /Total time: +([0-9.:]+ \w+)/)[0][1]} (test accuracy ${accuracy})"
return true
