// Two clean builds of the same inputs (seeded, same backend and threads, outputTimestamp set) give the same zip.
import java.security.MessageDigest

def sha256 = { File f -> MessageDigest.getInstance('SHA-256').digest(f.bytes).encodeHex().toString() }
def installed = new File(localRepositoryPath, 'dev/finetune/it/reproducible/1.0.0-SNAPSHOT/reproducible-1.0.0-SNAPSHOT-model.zip')
def rebuilt = new File(basedir, 'target/reproducible-1.0.0-SNAPSHOT-model.zip')
assert installed.isFile() && rebuilt.isFile()
def runs = new File(basedir, 'build.log').text.split(/\[INFO\] Scanning for projects\.\.\./)
assert runs.length == 3 && runs[2] =~ /fine-tune epoch 2\/2/ : 'the second build trained again'
assert sha256(installed) == sha256(rebuilt)
println "model zip sha256 ${sha256(rebuilt)} from both builds"
return true
