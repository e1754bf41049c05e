package sc.fiji.diffusion.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import sc.fiji.diffusion.cli.Verb;

/** The reports as command-line verbs ({@link Reports}), found by the CLI through META-INF/services. */
public final class ReportVerbs implements Verb {

	@Override
	public List<String> names() {
		return Arrays.asList("quality", "train-report", "real-quality", "tasks-quality", "benchmark", "nll",
			"sampler-table", "volume-report");
	}

	@Override
	public void run(final String verb, final Map<String, String> options) throws Exception {
		if (!Reports.run(verb, options)) throw new IllegalArgumentException("unknown report '" + verb + "'");
	}
}
