// The training JVM ran on the toolchain's java, not on the JVM running Maven.
def log = new File(basedir, 'build.log').text
def java = new File(basedir, 'toolchain-jdk/bin/java').path
assert log.contains("Training JVM from the JDK toolchain: ${java}") : log
assert log =~ /fine-tune epoch 1\/1/
assert new File(basedir, 'target/finetune/model.zip').isFile()
return true
