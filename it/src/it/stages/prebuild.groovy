// The example's base model and digits (the shared script), and its MNIST retention rows (see it/pom.xml)
import java.nio.file.Files
import java.nio.file.StandardCopyOption

def retention = new File(basedir, 'data/mnist-test-1000.csv').toPath()
Files.createDirectories(retention.parent)
Files.copy(new File(exampleDir, 'digits-5to9/data/mnist-test-1000.csv').toPath(), retention, StandardCopyOption.REPLACE_EXISTING)
return evaluate(new File(itSources, 'example-inputs.groovy'))
