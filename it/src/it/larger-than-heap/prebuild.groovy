// All 70,000 MNIST digits (60,000 train + 10,000 test, from the IDX files in
// it/generator/mnist) written as one CSV: 784 pixels (0..255), then the digit. Generated here, never committed.
import java.util.zip.GZIPInputStream

def mnist = new File(itSources, '../../generator/mnist')

// statically compiled: the dynamic version takes minutes for the 55 million pixels
@groovy.transform.CompileStatic
void writeCsv(File mnistDir, File out) {
    byte[][] text = new byte[256][]
    for (int v = 0; v < 256; v++) {
        text[v] = "${v},".toString().getBytes('US-ASCII')
    }
    out.parentFile.mkdirs()
    BufferedOutputStream w = new BufferedOutputStream(new FileOutputStream(out), 1 << 20)
    try {
        for (String set : ['train', 't10k']) {
            DataInputStream images = new DataInputStream(new BufferedInputStream(new GZIPInputStream(
                    new FileInputStream(new File(mnistDir, set + '-images-idx3-ubyte.gz')), 1 << 16)))
            DataInputStream labels = new DataInputStream(new BufferedInputStream(new GZIPInputStream(
                    new FileInputStream(new File(mnistDir, set + '-labels-idx1-ubyte.gz')), 1 << 16)))
            assert images.readInt() == 2051 && labels.readInt() == 2049
            int n = images.readInt()
            assert labels.readInt() == n
            int pixels = images.readInt() * images.readInt()
            byte[] image = new byte[pixels]
            for (int i = 0; i < n; i++) {
                images.readFully(image)
                for (int p = 0; p < pixels; p++) {
                    w.write(text[image[p] & 0xff])
                }
                w.write(48 + labels.readUnsignedByte())
                w.write(10)
            }
            images.close()
            labels.close()
        }
    } finally {
        w.close()
    }
}

def out = new File(basedir, 'data/mnist-70k.csv')
writeCsv(mnist, out)
println "prebuild: wrote ${out} (${out.length() >> 20} MiB)"
return true
