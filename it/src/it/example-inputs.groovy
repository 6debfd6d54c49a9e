// Shared by the IT projects' prebuild hooks: copy the bundled example's base model and data into the project
// instead of keeping copies in git. `exampleDir` comes from the invoker configuration in it/pom.xml.
import java.nio.file.Files
import java.nio.file.StandardCopyOption

['models/mnist-lenet.zip', 'data/digits-5to9-28x28.csv'].each { path ->
    def target = new File(basedir, path).toPath()
    Files.createDirectories(target.parent)
    Files.copy(new File(exampleDir, path).toPath(), target, StandardCopyOption.REPLACE_EXISTING)
}
return true
