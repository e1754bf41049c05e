package sc.fiji.diffusion.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import sc.fiji.diffusion.cli.Verb;

/** {@code spark} ({@link SparkDenoise}) and {@code spark-benchmark} ({@link SparkBenchmark}) for the command line. */
public final class SparkVerbs implements Verb {

	@Override
	public List<String> names() {
		return Arrays.asList("spark", "spark-benchmark");
	}

	@Override
	public void run(final String verb, final Map<String, String> options) throws Exception {
		if (verb.equals("spark")) SparkDenoise.main(options);
		else SparkBenchmark.main(options);
	}
}
