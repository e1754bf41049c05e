package sc.fiji.diffusion.eval;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.GZIPInputStream;

/**
 * Reads the Fashion-MNIST IDX files of Debian's {@code dataset-fashion-mnist} package
 * (or the folder in the {@code fashion.mnist.dir} property), padding each 28×28 image by
 * 2 background pixels to the 32×32 of the bundled model. Pixels stay on the 0–255 scale.
 */
public final class FashionMnist {

	public static final Path DEFAULT_DIR = Paths.get("/usr/share/datasets/fashion-mnist");

	/** Images, each 32·32 floats, and their labels. */
	public final float[][] images;
	public final int[] labels;

	private FashionMnist(final float[][] images, final int[] labels) {
		this.images = images;
		this.labels = labels;
	}

	public static Path dir() {
		final String p = System.getProperty("fashion.mnist.dir");
		return p != null ? Paths.get(p) : DEFAULT_DIR;
	}

	public static boolean available() {
		return Files.isRegularFile(dir().resolve("t10k-images-idx3-ubyte.gz"));
	}

	/** @param split "train" or "t10k"; at most {@code limit} images from the start */
	public static FashionMnist load(final String split, final int limit) throws IOException {
		final Path d = dir();
		final Path imgs = d.resolve(split + "-images-idx3-ubyte.gz"), lbls = d.resolve(split + "-labels-idx1-ubyte.gz");
		if (!Files.isRegularFile(imgs)) throw new IOException("Fashion-MNIST not found at " + imgs +
			" (install the Debian package dataset-fashion-mnist)");
		try (DataInputStream in = open(imgs); DataInputStream li = open(lbls)) {
			if (in.readInt() != 2051 || li.readInt() != 2049) throw new IOException("not an IDX file: " + imgs);
			final int n = Math.min(in.readInt(), limit), rows = in.readInt(), cols = in.readInt();
			li.readInt();
			final float[][] images = new float[n][];
			final int[] labels = new int[n];
			final byte[] buf = new byte[rows * cols];
			for (int k = 0; k < n; k++) {
				in.readFully(buf);
				final float[] img = new float[32 * 32];
				for (int y = 0; y < rows; y++)
					for (int x = 0; x < cols; x++)
						img[(y + 2) * 32 + x + 2] = buf[y * cols + x] & 0xff;
				images[k] = img;
				labels[k] = li.readUnsignedByte();
			}
			return new FashionMnist(images, labels);
		}
	}

	private static DataInputStream open(final Path p) throws IOException {
		final InputStream raw = Files.newInputStream(p);
		return new DataInputStream(new java.io.BufferedInputStream(new GZIPInputStream(raw), 1 << 16));
	}
}
