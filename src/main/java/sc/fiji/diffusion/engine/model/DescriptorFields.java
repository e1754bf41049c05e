package sc.fiji.diffusion.engine.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import sc.fiji.diffusion.engine.ModelException;

/** Typed access to YAML maps with errors that name the file and the field. */
final class DescriptorFields {

	private final Path file;

	DescriptorFields(final Path file) {
		this.file = file;
	}

	ModelException error(final String field, final String what) {
		return new ModelException(file + ": field '" + field + "': " + what);
	}

	private Object get(final Map<String, Object> m, final String key) {
		final Object v = m.get(key);
		if (v == null) throw error(key, "missing");
		return v;
	}

	@SuppressWarnings("unchecked")
	Map<String, Object> map(final Map<String, Object> m, final String key) {
		final Object v = get(m, key);
		if (!(v instanceof Map)) throw error(key, "must be a mapping, was '" + v + "'");
		return (Map<String, Object>) v;
	}

	String string(final Map<String, Object> m, final String key) {
		return String.valueOf(get(m, key));
	}

	String optString(final Map<String, Object> m, final String key) {
		final Object v = m.get(key);
		return v == null ? null : String.valueOf(v);
	}

	double number(final Map<String, Object> m, final String key) {
		final Object v = get(m, key);
		if (v instanceof Number) return ((Number) v).doubleValue();
		try {
			return Double.parseDouble(String.valueOf(v));
		}
		catch (final NumberFormatException e) {
			throw error(key, "must be a number, was '" + v + "'");
		}
	}

	double optNumber(final Map<String, Object> m, final String key, final double dflt) {
		return m.get(key) == null ? dflt : number(m, key);
	}

	int integer(final Map<String, Object> m, final String key) {
		final double v = number(m, key);
		if (v != Math.rint(v)) throw error(key, "must be an integer, was " + v);
		return (int) v;
	}

	@SuppressWarnings("unchecked")
	Map<String, Object> cast(final Object o) {
		return (Map<String, Object>) o;
	}

	int[] ints(final Map<String, Object> m, final String key, final int n, final String field) {
		final Object v = get(m, key);
		if (!(v instanceof List) || ((List<?>) v).size() != n) throw error(field, "must be a list of " + n +
			" integers, was '" + v + "'");
		final int[] out = new int[n];
		for (int i = 0; i < n; i++) {
			try {
				out[i] = Integer.parseInt(String.valueOf(((List<?>) v).get(i)).trim());
			}
			catch (final NumberFormatException e) {
				throw error(field, "must be a list of integers, was '" + v + "'");
			}
		}
		return out;
	}

	/** Axes as letters from [batch, channel, y, x], "bcyx" or bioimage.io 0.5 axis objects. */
	String axes(final Object v, final String field) {
		if (v instanceof String) return ((String) v).trim().toLowerCase(Locale.ROOT);
		if (!(v instanceof List)) throw error(field, "must be a list of axes, was '" + v + "'");
		final StringBuilder sb = new StringBuilder();
		for (final Object a : (List<?>) v) {
			String name;
			if (a instanceof Map) {
				final Map<String, Object> am = cast(a);
				name = am.get("id") != null ? String.valueOf(am.get("id")) : String.valueOf(am.get("type"));
			}
			else name = String.valueOf(a);
			name = name.trim().toLowerCase(Locale.ROOT);
			switch (name) {
				case "batch": case "b": sb.append('b'); break;
				case "channel": case "c": sb.append('c'); break;
				case "z": case "y": case "x": sb.append(name); break;
				default: throw error(field, "unknown axis '" + name + "'; accepted: batch, channel, z, y, x");
			}
		}
		return sb.toString();
	}

	double[] pair(final Map<String, Object> m, final String key) {
		final Object v = get(m, key);
		if (!(v instanceof List) || ((List<?>) v).size() != 2) throw error(key, "must be [min, max], was '" + v + "'");
		final List<?> l = (List<?>) v;
		try {
			return new double[] { Double.parseDouble(String.valueOf(l.get(0))), Double.parseDouble(String.valueOf(l.get(1))) };
		}
		catch (final NumberFormatException e) {
			throw error(key, "must be [min, max] numbers, was '" + v + "'");
		}
	}
}
