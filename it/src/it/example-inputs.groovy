// Shared by the IT projects' prebuild hooks: copy the bundled example's base model and data into the project
// instead of keeping copies in git. `exampleDir` comes from the invoker configuration in it/pom.xml.
import java.nio.file.Files
import java.nio.file.StandardCopyOption

['mnist-lenet/mnist-lenet.zip': 'models/mnist-lenet.zip',
 'digits-5to9/data/digits-5to9-28x28.csv': 'data/digits-5to9-28x28.csv'].each { source, path ->
    def target = new File(basedir, path).toPath()
    Files.createDirectories(target.parent)
    Files.copy(new File(exampleDir, source).toPath(), target, StandardCopyOption.REPLACE_EXISTING)
}
return true
