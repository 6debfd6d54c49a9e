// Run by the integration tests (it/pom.xml): the example trains, passes its gates and installs its model.
def log = new File(basedir, 'build.log').text
assert log =~ /fine-tune epoch 1\/40 .* ETA /
assert log =~ /Gate passed accuracy >= 0\.9: accuracy is 0\.\d{4}/
assert log.contains('Installing') && log.contains('digits-5to9-1.0.0-SNAPSHOT-model.zip')
return true
