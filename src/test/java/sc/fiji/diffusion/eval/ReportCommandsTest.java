package sc.fiji.diffusion.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import sc.fiji.diffusion.eval.Likelihood;
import sc.fiji.diffusion.eval.SamplerTable;

/**
 * The report commands behind the README's tables run on a fresh clone (tiny settings here;
 * the README gives the full ones) and print sane numbers.
 */
class ReportCommandsTest {

	private static Map<String, String> options(final String... kv) {
		final Map<String, String> o = new HashMap<>();
		for (int i = 0; i < kv.length; i += 2)
			o.put(kv[i], kv[i + 1]);
		return o;
	}

	private static String captured(final ThrowingRunnable r) throws Exception {
		final PrintStream before = System.out;
		final ByteArrayOutputStream buf = new ByteArrayOutputStream();
		System.setOut(new PrintStream(buf, true, "UTF-8"));
		try {
			r.run();
		}
		finally {
			System.setOut(before);
		}
		final String out = buf.toString("UTF-8");
		before.print(out);
		return out;
	}

	interface ThrowingRunnable {

		void run() throws Exception;
	}

	@Test
	void samplerTableWritesRowsAndReusesThem(@TempDir final Path dir) throws Exception {
		sc.fiji.diffusion.testing.TestData.requireFashionMnist();
		final Path csv = dir.resolve("table.csv");
		final Map<String, String> o = options("samples", "20", "calls", "10", "samplers", "ddim", "out", csv.toString());
		final String first = captured(() -> SamplerTable.main(o));
		final List<String> rows = Files.readAllLines(csv, StandardCharsets.UTF_8);
		assertEquals(2, rows.size(), rows.toString());
		final String[] f = rows.get(1).split(",");
		assertEquals("ddim", f[0]);
		final double fd = Double.parseDouble(f[6]), acc = Double.parseDouble(f[7]);
		assertTrue(fd > 0 && Double.isFinite(fd), "Fréchet distance " + fd);
		assertTrue(acc >= 0.5 && acc <= 1, "accuracy " + acc);
		assertTrue(first.contains("| ddim |"), first);
		// a rerun takes the row from the file instead of sampling again
		final String again = captured(() -> SamplerTable.main(o));
		assertEquals(rows, Files.readAllLines(csv, StandardCharsets.UTF_8));
		assertTrue(!again.contains("calls (") && again.contains(String.format(java.util.Locale.ROOT, "%.2f", fd)), again);
	}

	@Test
	void likelihoodPrintsBitsPerDim() throws Exception {
		sc.fiji.diffusion.testing.TestData.requireFashionMnist();
		final String out = captured(() -> Likelihood.main(options("images", "20", "strata", "10")));
		final Matcher m = Pattern.compile("NLL ≤ ([0-9.]+) ± ([0-9.]+) bits/dim").matcher(out);
		assertTrue(m.find(), out);
		final double bpd = Double.parseDouble(m.group(1));
		// 8-bit images: between 0 and 8 bits per pixel (the model is far better than uniform)
		assertTrue(bpd > 0.5 && bpd < 6, "bits/dim " + bpd);
	}

	/** The command line reaches the reports through META-INF/services (cli.Verb), not by class name. */
	@Test
	void theCommandLineFindsTheReports() {
		final List<sc.fiji.diffusion.cli.Verb> found = new java.util.ArrayList<>();
		java.util.ServiceLoader.load(sc.fiji.diffusion.cli.Verb.class).forEach(found::add);
		assertTrue(found.stream().anyMatch(v -> v instanceof ReportVerbs && v.names().contains("benchmark") && v.names()
			.contains("quality")), found.toString());
	}

	@Test
	void benchmarkWritesItsTables(@TempDir final Path dir) throws Exception {
		final Path md = dir.resolve("bench.md");
		Benchmark.run(options("repeats", "1", "steps", "2", "sizes", "64", "runs", "2", "out", md.toString()));
		final String text = new String(Files.readAllBytes(md), StandardCharsets.UTF_8);
		for (final String s : new String[] { "overhead ratio", "| 1 |", "| 16 |", "| 64² |", "peak RSS", "Threads:" })
			assertTrue(text.contains(s), s + " missing from\n" + text);
	}
}
