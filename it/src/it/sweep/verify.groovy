// A sweep from a spec: every trial reported (sweep.json, sweep.md, a table in the log), the winner chosen on validation
// data and evaluated on test data, and a second clean build gives the same trials and the same winner.
import groovy.json.JsonSlurper

def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 3 : 'two builds were logged'
def table = { String log -> log.readLines().findAll { it =~ /\[INFO\] (sweep: 4 trials|  [0-9]\*? +[0-9]+ +[0-9.]+ .*\{)/ }
        .collect { it.replaceAll(/ +[0-9]+\.[0-9]{2} +\{/, ' {') } }   // drop the wall-clock column
def first = table(runs[1]), second = table(runs[2])
assert first.size() == 5 : "winner line and 4 trial rows in the log: ${first}"
assert first == second : "the rerun differs:\n${first.join('\n')}\n---\n${second.join('\n')}"

def sweep = new JsonSlurper().parse(new File(basedir, 'target/finetune/sweep.json'))
assert sweep.trials.size() == 4
assert sweep.metric == 'accuracy' && sweep.goal == 'maximize'
def values = sweep.trials.collect { it.value }
assert values == values.sort(false).reverse() : 'trials are listed best first'
assert sweep.trials[0].winner && sweep.trials.count { it.winner } == 1
assert sweep.trials.count { it.stoppedEarly && it.stopReason.startsWith('successive halving at epoch 2') } == 2
assert sweep.trials.every { it.parameters.keySet() == ['head.hidden', 'training.learningRate'] as Set }

def md = new File(basedir, 'target/finetune/sweep.md').text
assert md.contains('| rank | trial | head.hidden | training.learningRate | validation accuracy |')
assert md.contains("| 1 **★** | ${sweep.winner} |")

// the evaluated model is the winner's: same validation accuracy, and test metrics exist only for it
def metrics = new JsonSlurper().parse(new File(basedir, 'target/finetune/metrics.json'))
assert metrics.training.model == "trial ${sweep.winner}"
assert Math.abs(metrics.validation.accuracy - sweep.trials[0].value) < 1e-9
assert runs[1] =~ /Gate passed accuracy >= 0\.5/
assert new File(basedir, 'target/sweep-1.0.0-SNAPSHOT-model.zip').isFile()

// the artifact says a sweep chose it, and which trial with which settings
def zip = new java.util.zip.ZipFile(new File(basedir, 'target/sweep-1.0.0-SNAPSHOT-model.zip'))
def lineage = new JsonSlurper().parse(zip.getInputStream(zip.getEntry('finetune/lineage.json')))
assert lineage.sweep.trials == 4 && lineage.sweep.winner == sweep.winner
assert lineage.sweep.winnerParameters == sweep.trials[0].parameters
def card = zip.getInputStream(zip.getEntry('finetune/model-card.md')).text
assert card.contains("| Chosen by | a 4-trial grid sweep on validation accuracy: trial ${sweep.winner} ")
// the card's settings are the winner's, not the spec's defaults
assert card.contains("| learning rate | ${sweep.trials[0].parameters['training.learningRate']} |")
zip.close()
return true
