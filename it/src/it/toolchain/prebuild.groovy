// The example's base model and data, and a JDK toolchain: this JVM's own home, reached through a link so that the
// log tells the toolchain's java from the default one (the JVM running Maven).
evaluate(new File(itSources, 'example-inputs.groovy'))
def link = new File(basedir, 'toolchain-jdk').toPath()
java.nio.file.Files.deleteIfExists(link)
java.nio.file.Files.createSymbolicLink(link, java.nio.file.Path.of(System.getProperty('java.home')))
def version = System.getProperty('java.specification.version')
new File(basedir, 'toolchains.xml').text = """<toolchains>
  <toolchain>
    <type>jdk</type>
    <provides><version>${version}</version></provides>
    <configuration><jdkHome>${link}</jdkHome></configuration>
  </toolchain>
</toolchains>
"""
return true
