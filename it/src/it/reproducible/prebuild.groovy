// Reuse the bundled example's base model and data (cloned beside this project) instead of keeping copies in git.
import java.nio.file.Files
import java.nio.file.StandardCopyOption

def example = new File(basedir, '../../../example').canonicalFile
['models/mnist-lenet.zip', 'data/digits-5to9-28x28.csv'].each { path ->
    def target = new File(basedir, path).toPath()
    Files.createDirectories(target.parent)
    Files.copy(new File(example, path).toPath(), target, StandardCopyOption.REPLACE_EXISTING)
}
return true
