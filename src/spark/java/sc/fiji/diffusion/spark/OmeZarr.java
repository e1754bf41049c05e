package sc.fiji.diffusion.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An OME-Zarr image (OME-NGFF 0.4): a Zarr v2 group whose {@code .zattrs} hold
 * {@code multiscales[0]} with the axes and the datasets (scale levels); level {@code 0} is the
 * full resolution. Accepted layouts: {@code yx}, {@code zyx}, optionally with {@code c} and/or
 * {@code t} axes of size 1 in front. A 3D volume is processed plane by plane (the models are 2D).
 */
public final class OmeZarr implements Serializable {

	private static final long serialVersionUID = 1L;

	private final String axes; // letters, e.g. "tczyx"
	private final String axesJson, scaleJson;
	private final ZarrArray level0;

	private OmeZarr(final String axes, final String axesJson, final String scaleJson, final ZarrArray level0) {
		this.axes = axes;
		this.axesJson = axesJson;
		this.scaleJson = scaleJson;
		this.level0 = level0;
	}

	/** Opens {@code dir}; every problem gets a message naming what is wrong and what is accepted. */
	public static OmeZarr open(final Path dir) throws IOException {
		if (!Files.isDirectory(dir)) throw new IllegalArgumentException("OME-Zarr input not found: " + dir);
		final Path attrs = dir.resolve(".zattrs");
		if (!Files.isRegularFile(attrs)) throw new IllegalArgumentException(dir + " is not OME-Zarr: no .zattrs with " +
			"'multiscales' (an OME-NGFF 0.4 image is a Zarr group written e.g. by ome-zarr-py, bioformats2raw or Fiji's " +
			"N5 plugins)");
		final JsonNode root = ZarrArray.JSON.readTree(attrs.toFile());
		final JsonNode ms = root.path("multiscales").path(0);
		if (ms.isMissingNode()) throw new IllegalArgumentException(attrs + " has no 'multiscales': not an OME-Zarr image");
		final String version = ms.path("version").asText("");
		if (!version.isEmpty() && !version.startsWith("0.4")) throw new IllegalArgumentException(attrs +
			": OME-NGFF version " + version + " is not supported; accepted: 0.4");
		final StringBuilder letters = new StringBuilder();
		for (final JsonNode a : ms.path("axes"))
			letters.append(a.isTextual() ? a.asText() : a.path("name").asText());
		final String ax = letters.toString().toLowerCase();
		final JsonNode ds = ms.path("datasets").path(0);
		if (ds.isMissingNode()) throw new IllegalArgumentException(attrs + ": multiscales[0] has no datasets");
		final ZarrArray a = ZarrArray.open(dir.resolve(ds.path("path").asText("0")));
		if (ax.length() != a.shape().length) throw new IllegalArgumentException(attrs + ": " + ax.length() +
			" axes but the array has " + a.shape().length + " dimensions");
		if (!ax.matches("t?c?z?yx")) throw new IllegalArgumentException(attrs + ": axes '" + ax + "' are not supported; " +
			"accepted: yx or zyx, with optional t and c (size 1) in front");
		for (int d = 0; d < ax.length(); d++)
			if ((ax.charAt(d) == 't' || ax.charAt(d) == 'c') && a.shape()[d] != 1) throw new IllegalArgumentException(attrs +
				": axis '" + ax.charAt(d) + "' has size " + a.shape()[d] + "; only size 1 is supported (split channels " +
				"and time points first)");
		String scale = null;
		for (final JsonNode t : ds.path("coordinateTransformations"))
			if ("scale".equals(t.path("type").asText())) scale = t.path("scale").toString();
		return new OmeZarr(ax, ms.path("axes").toString(), scale, a);
	}

	public String axes() {
		return axes;
	}

	public ZarrArray level0() {
		return level0;
	}

	public long height() {
		return level0.shape()[axes.length() - 2];
	}

	public long width() {
		return level0.shape()[axes.length() - 1];
	}

	/** Number of 2D planes (z slices; 1 for a 2D image). */
	public long planes() {
		final int z = axes.indexOf('z');
		return z < 0 ? 1 : level0.shape()[z];
	}

	/** Offset of plane p's box [y, x] in the level-0 array. */
	long[] offset(final long plane, final long y, final long x) {
		final long[] o = new long[axes.length()];
		final int z = axes.indexOf('z');
		if (z >= 0) o[z] = plane;
		o[o.length - 2] = y;
		o[o.length - 1] = x;
		return o;
	}

	int[] size(final int h, final int w) {
		final int[] s = new int[axes.length()];
		Arrays.fill(s, 1);
		s[s.length - 2] = h;
		s[s.length - 1] = w;
		return s;
	}

	/** Image pixels of plane {@code p} in the box [y, y+h) × [x, x+w), as floats. */
	public float[] read(final long p, final long y, final long x, final int h, final int w) throws IOException {
		return level0.read(offset(p, y, x), size(h, w));
	}

	/**
	 * Writes an empty OME-Zarr float32 image with this one's axes, shape and scale, chunked
	 * {@code block × block} in y and x (1 on other axes); its level 0 is returned.
	 */
	public ZarrArray createOutput(final Path dir, final int block, final String compression, final String name)
		throws IOException
	{
		Files.createDirectories(dir);
		ZarrArray.write(dir.resolve(".zgroup"), "{\"zarr_format\": 2}\n".getBytes("UTF-8"));
		final ObjectNode root = ZarrArray.JSON.createObjectNode();
		final ArrayNode mss = root.putArray("multiscales");
		final ObjectNode ms = mss.addObject();
		ms.put("version", "0.4");
		ms.put("name", name);
		ms.set("axes", ZarrArray.JSON.readTree(axesJson));
		final ObjectNode ds = ms.putArray("datasets").addObject();
		ds.put("path", "0");
		final ArrayNode ct = ds.putArray("coordinateTransformations");
		final ObjectNode sc = ct.addObject();
		sc.put("type", "scale");
		if (scaleJson != null) sc.set("scale", ZarrArray.JSON.readTree(scaleJson));
		else {
			final ArrayNode ones = sc.putArray("scale");
			for (int d = 0; d < axes.length(); d++)
				ones.add(1.0);
		}
		ZarrArray.write(dir.resolve(".zattrs"), ZarrArray.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
		final int[] chunks = size(block, block);
		final long[] shape = level0.shape();
		for (int d = 0; d < chunks.length - 2; d++)
			chunks[d] = 1;
		chunks[chunks.length - 2] = (int) Math.min(block, shape[shape.length - 2]);
		chunks[chunks.length - 1] = (int) Math.min(block, shape[shape.length - 1]);
		return ZarrArray.create(dir.resolve("0"), shape, chunks, compression);
	}

	/** The axes as NGFF axis names, for messages. */
	public List<String> axisNames() {
		final List<String> out = new ArrayList<>();
		for (final char c : axes.toCharArray())
			out.add(String.valueOf(c));
		return out;
	}
}
