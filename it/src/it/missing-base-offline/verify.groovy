// Offline, a base that is not in the local repository fails validation with the spec position and what to do.
def log = new File(basedir, 'build.log').text
assert log.contains('finetune.yaml:2:13: `base.artifact` dev.finetune.it:never-released:zip:3.1.4 cannot be resolved. '
        + 'Maven is offline (-o) and the local repository')
assert log.contains('install the base model first (`mvn install` in its project, or build its module in the same reactor with -am), or run without -o')
assert log.contains('finetune-maven-plugin:0.1.0-SNAPSHOT:validate')
assert !log.contains('fine-tune epoch')
return true
