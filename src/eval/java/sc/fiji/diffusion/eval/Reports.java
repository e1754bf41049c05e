package sc.fiji.diffusion.eval;

import java.util.Map;

/**
 * The report and benchmark verbs of the command line (kept out of the plugin jar: compiled with
 * the tests from src/eval/java). {@code mvn -q test-compile exec:java -Ddiffusion.args="VERB ..."}.
 */
public final class Reports {

	private Reports() {}

	/** Runs {@code verb}; false when it is not a report verb. */
	public static boolean run(final String verb, final Map<String, String> o) throws Exception {
		switch (verb) {
			case "quality":
				Quality.main(o);
				return true;
			case "train-report":
				TrainingReport.main(o);
				return true;
			case "real-quality":
				RealImageQuality.main(o);
				return true;
			case "tasks-quality":
				TaskBenchmark.main(o);
				return true;
			case "benchmark":
				Benchmark.run(o);
				return true;
			case "nll":
				Likelihood.main(o);
				return true;
			case "sampler-table":
				SamplerTable.main(o);
				return true;
			default:
				return false;
		}
	}
}
