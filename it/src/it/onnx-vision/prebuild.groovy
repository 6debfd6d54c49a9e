// The MobileNetV2 as ONNX (the plugin's test copy, see finetune-maven-plugin/src/test/resources/onnx/README.md) and,
// as in mobilenet-base, the first 30 of each class of the image-folder IT's Fashion-MNIST PNGs (see
// ../image-folder/PROVENANCE.md), copied in rather than kept twice
import java.nio.file.Files
import java.nio.file.StandardCopyOption

def copy = { File source, String path ->
    def target = new File(basedir, path).toPath()
    Files.createDirectories(target.parent)
    Files.copy(source.toPath(), target, StandardCopyOption.REPLACE_EXISTING)
}
copy(new File(itSources, '../../../finetune-maven-plugin/src/test/resources/onnx/mobilenet-v2-64.onnx'), 'models/mobilenet-v2-64.onnx')
new File(itSources, 'image-folder/photos').eachDir { dir ->
    dir.listFiles().findAll { it.name.endsWith('.png') }.sort { it.name }.take(30).each { copy(it, "photos/${dir.name}/${it.name}") }
}
return true
