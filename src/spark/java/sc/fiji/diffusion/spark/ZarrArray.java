package sc.fiji.diffusion.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * A Zarr v2 array on a file system (the storage of OME-Zarr / NGFF 0.4): a {@code .zarray} JSON
 * header and one file per chunk, C order. Reads uint8, uint16, int16 and float32 (either byte
 * order) compressed with Blosc (any of its codecs and shuffles), zstd, gzip, zlib or nothing;
 * writes float32 chunks, each under a temporary name then renamed, so a crash never leaves a
 * torn chunk and a rerun can skip chunks that exist. Serializable: tasks carry the header, not
 * the data.
 */
public final class ZarrArray implements Serializable {

	private static final long serialVersionUID = 1L;
	static final ObjectMapper JSON = new ObjectMapper();

	private final String dir;
	private final long[] shape;
	private final int[] chunks;
	private final String dtype;
	private final String compressor;
	private final String separator;
	private final double fill;

	private ZarrArray(final Path dir, final long[] shape, final int[] chunks, final String dtype, final String compressor,
		final String separator, final double fill)
	{
		this.dir = dir.toString();
		this.shape = shape;
		this.chunks = chunks;
		this.dtype = dtype;
		this.compressor = compressor;
		this.separator = separator;
		this.fill = fill;
	}

	/** Opens the array in {@code dir}; a clear message for what is not a Zarr v2 array or not supported. */
	public static ZarrArray open(final Path dir) throws IOException {
		final Path header = dir.resolve(".zarray");
		if (!Files.isRegularFile(header)) throw new IllegalArgumentException(dir + " is not a Zarr v2 array (no .zarray)" +
			(Files.isRegularFile(dir.resolve("zarr.json")) ? "; Zarr v3 is not supported, NGFF 0.4 (Zarr v2) is" : ""));
		final JsonNode z = JSON.readTree(header.toFile());
		if (z.path("zarr_format").asInt() != 2) throw new IllegalArgumentException(header + ": zarr_format must be 2");
		final long[] shape = longs(z.path("shape"));
		final int[] chunks = new int[shape.length];
		for (int d = 0; d < chunks.length; d++)
			chunks[d] = z.path("chunks").path(d).asInt();
		final String dtype = z.path("dtype").asText();
		if (!Arrays.asList("|u1", "<u1", ">u1", "<u2", ">u2", "<i2", ">i2", "<f4", ">f4").contains(dtype))
			throw new IllegalArgumentException(header + ": data type '" + dtype + "' is not supported; accepted: uint8, " +
				"uint16, int16, float32");
		if (!"C".equals(z.path("order").asText("C"))) throw new IllegalArgumentException(header +
			": Fortran order is not supported (order must be C)");
		if (z.hasNonNull("filters") && z.path("filters").size() > 0) throw new IllegalArgumentException(header +
			": filters are not supported (" + z.path("filters") + ")");
		final JsonNode c = z.path("compressor");
		final String comp = c.isNull() || c.isMissingNode() ? "none" : c.path("id").asText();
		if (!Arrays.asList("none", "blosc", "zstd", "gzip", "zlib").contains(comp)) throw new IllegalArgumentException(
			header + ": compressor '" + comp + "' is not supported; accepted: blosc, zstd, gzip, zlib, none");
		final String sep = z.path("dimension_separator").asText(".");
		final double fill = z.path("fill_value").isNumber() ? z.path("fill_value").asDouble() : 0;
		return new ZarrArray(dir, shape, chunks, dtype, comp, sep, fill);
	}

	/** Creates an empty float32 array (header only). */
	public static ZarrArray create(final Path dir, final long[] shape, final int[] chunks, final String compressor)
		throws IOException
	{
		Files.createDirectories(dir);
		final ObjectNode z = JSON.createObjectNode();
		z.put("zarr_format", 2);
		z.set("shape", JSON.valueToTree(shape));
		z.set("chunks", JSON.valueToTree(chunks));
		z.put("dtype", "<f4");
		if ("gzip".equals(compressor)) z.set("compressor", JSON.createObjectNode().put("id", "gzip").put("level", 1));
		else if ("none".equals(compressor)) z.putNull("compressor");
		else throw new IllegalArgumentException("output compression must be none or gzip, was " + compressor);
		z.put("fill_value", 0.0);
		z.put("order", "C");
		z.putNull("filters");
		z.put("dimension_separator", "/");
		write(dir.resolve(".zarray"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(z));
		return open(dir);
	}

	private static long[] longs(final JsonNode n) {
		final long[] a = new long[n.size()];
		for (int i = 0; i < a.length; i++)
			a[i] = n.path(i).asLong();
		return a;
	}

	public long[] shape() {
		return shape.clone();
	}

	public int[] chunks() {
		return chunks.clone();
	}

	/** The data type as numpy spells it, e.g. {@code <u2}. */
	public String dtype() {
		return dtype;
	}

	/** 8, 16 or 32: the bit depth an ImageJ image of this type has. */
	public int bitDepth() {
		return dtype.endsWith("1") ? 8 : dtype.endsWith("2") ? 16 : 32;
	}

	public String compressor() {
		return compressor;
	}

	private Path chunkFile(final long[] index) {
		final StringBuilder sb = new StringBuilder();
		for (int d = 0; d < index.length; d++)
			sb.append(d == 0 ? "" : separator).append(index[d]);
		return Paths.get(dir).resolve(sb.toString());
	}

	/** Whether chunk {@code index} has been written. */
	public boolean hasChunk(final long[] index) {
		return Files.isRegularFile(chunkFile(index));
	}

	/** The box [offset, offset + size) as floats in C order (chunks that do not exist read as the fill value). */
	public float[] read(final long[] offset, final int[] size) throws IOException {
		final int n = shape.length;
		long total = 1;
		for (int d = 0; d < n; d++) {
			if (offset[d] < 0 || offset[d] + size[d] > shape[d]) throw new IllegalArgumentException("box " + Arrays.toString(
				offset) + " + " + Arrays.toString(size) + " is outside " + Arrays.toString(shape));
			total *= size[d];
		}
		final float[] out = new float[Math.toIntExact(total)];
		final long[] c0 = new long[n], c1 = new long[n];
		for (int d = 0; d < n; d++) {
			c0[d] = offset[d] / chunks[d];
			c1[d] = (offset[d] + size[d] - 1) / chunks[d];
		}
		final long[] ci = c0.clone();
		while (true) {
			final float[] chunk = readChunk(ci);
			// copy the overlap of this chunk and the box
			final long[] lo = new long[n], hi = new long[n];
			for (int d = 0; d < n; d++) {
				lo[d] = Math.max(offset[d], ci[d] * chunks[d]);
				hi[d] = Math.min(offset[d] + size[d], (ci[d] + 1) * chunks[d]);
			}
			final long[] p = lo.clone();
			final int rowLen = (int) (hi[n - 1] - lo[n - 1]);
			while (true) {
				long src = 0, dst = 0;
				for (int d = 0; d < n; d++) {
					src = src * chunks[d] + (p[d] - ci[d] * chunks[d]);
					dst = dst * size[d] + (p[d] - offset[d]);
				}
				System.arraycopy(chunk, (int) src, out, (int) dst, rowLen);
				int d = n - 2;
				for (; d >= 0; d--) {
					if (++p[d] < hi[d]) break;
					p[d] = lo[d];
				}
				if (d < 0) break;
			}
			int d = n - 1;
			for (; d >= 0; d--) {
				if (++ci[d] <= c1[d]) break;
				ci[d] = c0[d];
			}
			if (d < 0) break;
		}
		return out;
	}

	private int chunkElements() {
		int e = 1;
		for (final int c : chunks)
			e *= c;
		return e;
	}

	/** One whole chunk (edge chunks are stored full size, as Zarr does). */
	float[] readChunk(final long[] index) throws IOException {
		final int count = chunkElements();
		final float[] out = new float[count];
		final Path f = chunkFile(index);
		if (!Files.isRegularFile(f)) {
			Arrays.fill(out, (float) fill);
			return out;
		}
		final byte[] raw;
		try {
			raw = decode(Files.readAllBytes(f));
		}
		catch (final IOException | RuntimeException | LinkageError e) {
			// a corrupt or truncated chunk: say which one, not only the codec's complaint
			throw new IOException("cannot decode chunk " + f + " (" + compressor + "): " + e, e);
		}
		final int bytes = dtype.endsWith("1") ? 1 : dtype.endsWith("2") ? 2 : 4;
		if (raw.length < (long) count * bytes) throw new IOException(f + ": chunk has " + raw.length + " bytes, expected " +
			(long) count * bytes);
		final ByteBuffer b = ByteBuffer.wrap(raw).order(dtype.startsWith(">") ? ByteOrder.BIG_ENDIAN :
			ByteOrder.LITTLE_ENDIAN);
		switch (dtype.substring(1)) {
			case "u1":
				for (int i = 0; i < count; i++)
					out[i] = raw[i] & 0xff;
				break;
			case "u2":
				for (int i = 0; i < count; i++)
					out[i] = b.getShort(2 * i) & 0xffff;
				break;
			case "i2":
				for (int i = 0; i < count; i++)
					out[i] = b.getShort(2 * i);
				break;
			default:
				for (int i = 0; i < count; i++)
					out[i] = b.getFloat(4 * i);
		}
		return out;
	}

	private byte[] decode(final byte[] data) throws IOException {
		switch (compressor) {
			case "none":
				return data;
			case "blosc":
				return com.scalableminds.bloscjava.Blosc.decompress(data);
			case "zstd":
				return com.github.luben.zstd.Zstd.decompress(data, (int) com.github.luben.zstd.Zstd.decompressedSize(data));
			case "gzip":
				return readAll(new GZIPInputStream(new java.io.ByteArrayInputStream(data)));
			case "zlib":
				return readAll(new InflaterInputStream(new java.io.ByteArrayInputStream(data)));
			default:
				throw new IllegalStateException(compressor);
		}
	}

	private static byte[] readAll(final InputStream in) throws IOException {
		try (InputStream i = in) {
			return i.readAllBytes();
		}
	}

	/**
	 * Writes chunk {@code index} of a float32 array from {@code data} (a full chunk, C order),
	 * under a temporary name, then renamed: readers never see a torn chunk.
	 */
	public void writeChunk(final long[] index, final float[] data) throws IOException {
		if (!"<f4".equals(dtype)) throw new IllegalStateException("only float32 arrays are written");
		if (data.length != chunkElements()) throw new IllegalArgumentException("chunk data has " + data.length +
			" values, expected " + chunkElements());
		final ByteBuffer b = ByteBuffer.allocate(4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
		for (final float v : data)
			b.putFloat(v);
		byte[] bytes = b.array();
		if ("gzip".equals(compressor)) {
			final ByteArrayOutputStream bo = new ByteArrayOutputStream(bytes.length / 2);
			try (GZIPOutputStream gz = new GZIPOutputStream(bo) {

				{
					def.setLevel(1);
				}
			}) {
				gz.write(bytes);
			}
			bytes = bo.toByteArray();
		}
		final Path f = chunkFile(index);
		Files.createDirectories(f.getParent());
		write(f, bytes);
	}

	/** Writes a file under a temporary name in the same folder, then renames it into place. */
	static void write(final Path target, final byte[] bytes) throws IOException {
		final Path tmp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(System.nanoTime()) +
			".part");
		Files.write(tmp, bytes);
		Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%s %s %s chunks %s %s", dir, Arrays.toString(shape), dtype, Arrays.toString(
			chunks), compressor);
	}
}
