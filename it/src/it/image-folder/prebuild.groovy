// The example's MNIST LeNet base, copied in by the shared script (see it/pom.xml); the PNGs are in the project
return evaluate(new File(itSources, 'example-inputs.groovy'))
