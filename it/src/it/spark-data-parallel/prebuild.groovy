// The example's base model and data, copied in by the shared script (see it/pom.xml)
return evaluate(new File(itSources, 'example-inputs.groovy'))
