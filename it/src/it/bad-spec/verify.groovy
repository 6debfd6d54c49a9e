// A bad spec stops the build in the validate phase, with every problem located, before any training.
def log = new File(basedir, 'build.log').text
assert log.contains('Invalid fine-tuning spec finetune.yaml (2 problems):')
assert log.contains('finetune.yaml:6:3: unknown key `training.learningRat`; did you mean `learningRate`?')
assert log.contains('finetune.yaml:7:12: `training.updater` must be one of: adam, nadam, sgd, nesterovs, rmsprop, adagrad, found `adamm`; did you mean `adam`?')
assert log.contains('finetune-maven-plugin:0.1.0-SNAPSHOT:validate')
assert !log.contains(':train ')
assert !new File(basedir, 'target/finetune').exists()
return true
