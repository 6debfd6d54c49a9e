// Two stages with per-layer rates through `mvn install`: each stage's report in stages.json, the stages in the
// log, the model card's "Stages" table (also in the packaged model), the quality gate and the retention check.
import groovy.json.JsonSlurper

def log = new File(basedir, 'build.log').text
assert log.contains('stage 1 of 2: learning rate 0.005, up to 15 epochs, frozen: [conv1, pool1, conv2, pool2, fc]')
assert log.contains('stage 2 of 2: learning rate 5.0E-4, up to 3 epochs, frozen: [conv1, pool1]')
assert log =~ /Gate passed accuracy >= 0\.9: accuracy is 0\.\d{4}/
assert log =~ /Gate passed retention maxDrop\.accuracy/

def stages = new JsonSlurper().parse(new File(basedir, 'target/finetune/stages.json'))
assert stages.size() == 2
assert stages*.model == ['stage-1', 'stage-2']
assert stages[0].frozenLayers == ['conv1', 'pool1', 'conv2', 'pool2', 'fc']
assert stages[1].frozenLayers == ['conv1', 'pool1']
assert stages[0].epochsRun in 1..15 && stages[1].epochsRun in 1..3
assert stages[1].trainableParams > stages[0].trainableParams : 'stage 2 trains conv2 and fc too'
def training = new JsonSlurper().parse(new File(basedir, 'target/finetune/training.json'))
assert training == stages[1] : 'training.json is the last stage'

def zip = new java.util.zip.ZipFile(new File(basedir, 'target/stages-1.0.0-SNAPSHOT-model.zip'))
assert new JsonSlurper().parse(zip.getInputStream(zip.getEntry('finetune/stages.json'))) == stages
def card = zip.getInputStream(zip.getEntry('finetune/model-card.md')).text
assert card.contains('### Stages')
assert card.contains('| 1 | conv1, pool1, conv2, pool2, fc | 0.005 | ' + stages[0].epochsRun + ' | ' + stages[0].bestEpoch + ' | ')
assert card.contains('| 2 | conv1, pool1 | 5.0E-4 (conv2: 3.0E-5; decay 0.5 per layer below the head) | ' + stages[1].epochsRun + ' | ')
assert card.contains('Retention of the base')
def metrics = new JsonSlurper().parse(new File(basedir, 'target/finetune/metrics.json'))
assert metrics.test.accuracy >= 0.9
assert metrics.retention.drop.accuracy <= 0.05
def page = new File(basedir, 'target/finetune/report.html').text
assert page.contains('<section id="stages">\n<h2>Stages: 2</h2>')
assert page.contains("<th>Retention of the base's task</th><td>accuracy ")
assert page =~ /<li class="pass">passed: <code>retention maxDrop\.accuracy 0\.05<\/code>/
assert page.contains('<tr><td class="num">2</td><td>conv1, pool1</td><td>5.0E-4; per layer: conv2 3.0E-5; decay 0.5 per layer below the head</td>')
return true
