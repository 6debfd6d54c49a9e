// A bad spec stops the build in the validate phase, with every problem located, before any training.
def log = new File(basedir, 'build.log').text
assert log.contains('Invalid fine-tuning spec finetune.yaml: 3 problems, listed above')
// each problem is printed once, not again inside "Failed to execute goal"
for (problem in ['finetune.yaml:6:3: unknown key `training.learningRat`; did you mean `learningRate`?',
                 'finetune.yaml:7:12: `training.updater` must be one of: adam, nadam, sgd, nesterovs, rmsprop, adagrad, found `adamm`; did you mean `adam`?',
                 // a float where an integer belongs (JSON Schema draft 6+ would take 2e1 as the integer 20)
                 'finetune.yaml:8:11: `training.epochs` must be an integer, found the float `2e1`; write `20`']) {
    assert log.count(problem) == 1 : "printed ${log.count(problem)} times: ${problem}"
}
assert log.contains('finetune-maven-plugin:0.1.0-SNAPSHOT:validate')
assert !log.contains(':train ')
assert !new File(basedir, 'target/finetune').exists()
return true
