// A sweep on Spark (local[2]) through Maven: Spark is resolved for the training JVM only when asked for, trials run
// as Spark tasks, and every trial's result and the winner equal the same sweep's on local threads.
import groovy.json.JsonSlurper

def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 3 : 'two builds were logged'
def local = runs[1], spark = runs[2]
def table = { String log -> log.readLines().findAll { it =~ /\[INFO\] (sweep: 6 trials|  [0-9]\*? +[0-9]+ +[0-9.]+ .*\{)/ }
        .collect { it.replaceAll(/ +[0-9]+\.[0-9]{2} +\{/, ' {') } }   // drop the wall-clock column
assert table(local).size() == 7 : "winner line and 6 trial rows in the log: ${table(local)}"
assert table(local) == table(spark) : "Spark's trials differ:\n${table(local).join('\n')}\n---\n${table(spark).join('\n')}"

assert !(local =~ /on Spark/) : 'the default stays local'
assert spark =~ /Sweep trials on Spark, master local\[2\], \{spark.ui.showConsoleProgress=false\}/
assert spark =~ /sweep: on Spark 3\.5\.[0-9]+ \(local\[2\], 2 task slots\)/

def sweep = new JsonSlurper().parse(new File(basedir, 'target/finetune/sweep.json'))
assert sweep.trials.size() == 6 && sweep.parallelism == 2
assert sweep.trials.every { it.status == 'completed' && it.epochsRun == 3 }
def metrics = new JsonSlurper().parse(new File(basedir, 'target/finetune/metrics.json'))
assert metrics.training.model == "trial ${sweep.winner}"
assert Math.abs(metrics.validation.accuracy - sweep.trials[0].value) < 1e-9

// wall time of each build, for the README (Maven's own "Total time" line)
def total = { String log -> (log =~ /Total time: +([0-9.:]+ \w+)/)[0][1] }
println "spark-sweep IT: local build ${total(local)}, Spark build ${total(spark)}"
return true
