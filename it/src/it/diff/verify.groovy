// finetune:diff end to end: release 1.0.0, then review three changes against it, offline.
def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 6 : 'five builds were logged'
def (release, change, reformatted, regressed, ignored) = runs[1..5]

// 1. the first release has nothing to compare with, and says so without failing
assert release.contains('finetune:diff: no released version of dev.finetune.it:diff below 1.0.0')
assert release.contains('nothing to compare with yet')
assert release.contains('BUILD SUCCESS')

// 2. the change under review, resolved from the local repository while offline
assert change.contains('Comparing with baseline dev.finetune.it:diff:zip:model:1.0.0')
assert !change.contains('Downloading from')
assert change =~ /\[INFO\] 6 settings changed vs 1\.0\.0; test accuracy 0\.\d{4} -> 0\.\d{4} \([-+]0\.\d{4}\), test macroF1 0\.\d{4} -> 0\.\d{4} \([-+]0\.\d{4}\); regression gates passed \(2\)/
assert change.contains('[INFO]   training.learningRate: 0.001 -> 0.003')
assert change =~ /Regression gate passed accuracy may drop by at most 0\.5: 0\.\d{4} -> 0\.\d{4}/
assert change.contains('BUILD SUCCESS')
def md = new File(basedir, 'target/finetune/diff.md').text
assert md.startsWith('### finetune:diff: 1.1.0-SNAPSHOT vs 1.0.0\n\n:memo: **6 settings changed vs 1.0.0; test accuracy ')
assert md.contains('Baseline: `dev.finetune.it:diff:zip:model:1.0.0`')
assert md.contains('| setting | 1.0.0 | 1.1.0-SNAPSHOT |')
assert md.contains('| `freeze.upTo` | `pool2` | `pool1` |')
assert md.contains('| `freeze (layers)` | `conv1..pool2 (4)` | `conv1, pool1 (2)` |')
assert md.contains('| `head.hidden` | `[]` | `[32]` |')
assert md.contains('| `training.learningRate` | `0.001` | `0.003` |')
assert md.contains('| `evaluation.regression.accuracy` | _not set_ | `0.5` |')
assert !md.contains('`training.batchSize`') : 'unchanged keys are not listed'
assert md =~ /\| accuracy \| 0\.\d{4} \| 0\.\d{4} \| ([-+]0\.\d{4} (better|\*\*worse\*\*)|0) \|/
assert md =~ /\| macroF1 may drop by at most 0\.5 \| 0\.\d{4} \| 0\.\d{4} \| [-+]0\.\d{4} \| passed \|/
assert md.contains('<details><summary>Per-class test metrics (5 classes)</summary>')
assert md.contains('<details><summary>Confusion cells that moved most</summary>')
// the charts beside diff.md, shown in a collapsed section, and report.html refreshed with the baseline beside this build
assert md.contains('<details><summary>Charts (SVG files beside diff.md)</summary>')
assert md.contains('![learning curves of this build and the baseline](diff-learning-curve.svg)')
assert md.contains('![test confusion matrix of this build](diff-confusion-matrix.svg)')
['diff-learning-curve.svg', 'diff-confusion-matrix.svg'].each { assert new File(basedir, "target/finetune/${it}").isFile() }
def page = new File(basedir, 'target/finetune/report.html').getText('UTF-8')
assert page.contains('<section id="diff">') && page.contains('Against the baseline 1.0.0')
assert page.contains('data-series="1.0.0 validation loss"') : "the baseline's curve beside this build's"
def json = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/finetune/diff.json'))
assert json.verdict == 'changed'
assert json.baseline == '1.0.0'
assert json.spec.settings*.key == ['freeze.upTo', 'freeze (layers)', 'head.hidden', 'training.learningRate',
                                   'evaluation.regression.accuracy', 'evaluation.regression.macroF1']
assert json.metrics.perClass*.label == ['5', '6', '7', '8', '9']
assert json.regression*.passed == [true, true]

// 3. the released spec, reordered and recommented, against 1.0.0 named by coordinates: no effective change
assert reformatted.contains('Comparing with baseline dev.finetune.it:diff:zip:model:1.0.0')
assert reformatted.contains('[INFO] No effective change to the spec, data or base vs 1.0.0; test accuracy')
def same = new groovy.json.JsonSlurper().parse(new File(basedir, 'target/finetune-reformatted/diff.json'))
assert same.verdict == 'noEffectiveChange'
assert same.spec.settings == []
assert same.metrics.overall*.change.every { it == 0 } : 'same seed, same threads: the same model'

// 4. against the 1.0.0 zip given as a path, the regression gate fails the build with the numbers, and the report is
// still written for the PR comment
assert regressed =~ /Comparing with baseline .*target\/diff-1\.0\.0-model\.zip/
assert regressed =~ /\[ERROR\] Regression gate FAILED accuracy may drop by at most 0\.05: 0\.\d{4} -> 0\.\d{4}, dropped by 0\.\d{4}/
assert regressed.contains('BUILD FAILURE')
assert regressed =~ /Failed to execute goal dev\.finetune:finetune-maven-plugin:[^:]+:diff .*: Regression vs diff-1\.0\.0-model\.zip: accuracy may drop by at most 0\.05/
def failed = new File(basedir, 'target/finetune-regressed/diff.md').text
assert failed.contains(':x: **Regression vs diff-1.0.0-model.zip: accuracy may drop by at most 0.05: ')
assert failed.contains('| `training.learningRate` | `0.001` | `0.000001` |')
assert failed.contains('| accuracy may drop by at most 0.05 | ')
assert new File(basedir, 'target/finetune-regressed/report.html').getText('UTF-8').contains('data-verdict="failed"')

// 5. the same with -Dfinetune.ignoreGates: reported as for evaluation.gates, the build passes, nothing retrained
assert ignored.contains('Inputs unchanged since the last training')
assert ignored =~ /\[ERROR\] Regression gate FAILED accuracy may drop by at most 0\.05/
assert ignored.contains('(finetune.ignoreGates is set: not failing the build)')
assert ignored.contains('BUILD SUCCESS')
return true
