package sc.fiji.diffusion.engine.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

import sc.fiji.diffusion.engine.ModelException;

/** The SHA-256 of files, as model descriptors state it for their weights. */
public final class Sha256 {

	private Sha256() {}

	/** Hex SHA-256 of a file. */
	public static String of(final Path file) {
		try (InputStream in = Files.newInputStream(file)) {
			final MessageDigest md = MessageDigest.getInstance("SHA-256");
			final byte[] buf = new byte[1 << 16];
			for (int n; (n = in.read(buf)) > 0;)
				md.update(buf, 0, n);
			final StringBuilder sb = new StringBuilder();
			for (final byte b : md.digest())
				sb.append(String.format("%02x", b));
			return sb.toString();
		}
		catch (final IOException | NoSuchAlgorithmException e) {
			throw new ModelException("Cannot read " + file + ": " + e.getMessage(), e);
		}
	}
}
