// The UCI digits (it/generator/digits.csv, CC BY 4.0, see it/generator/README.md) copied in rather than kept twice
import java.nio.file.Files
import java.nio.file.StandardCopyOption

def target = new File(basedir, 'data/digits.csv').toPath()
Files.createDirectories(target.parent)
Files.copy(new File(itSources, '../../generator/digits.csv').toPath(), target, StandardCopyOption.REPLACE_EXISTING)
return true
