// The example's data, copied in by the shared script (see it/pom.xml); the base is deliberately missing
return evaluate(new File(itSources, 'example-inputs.groovy'))
