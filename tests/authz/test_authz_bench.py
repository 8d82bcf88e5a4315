"""bench/scope_filter.py keeps running: a tiny run prints its lines, ratio last."""
import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scope_filter.py"


def test_the_bench_runs_small_and_prints_the_ratio_last(capsys):
    spec = importlib.util.spec_from_file_location("scope_filter_bench", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.main(["--records", "400", "--partners", "4", "--page", "10", "--budget", "10"])
    lines = capsys.readouterr().out.strip().splitlines()
    values = dict(line.split(": ", 1) for line in lines)
    assert lines[-1].startswith("ratio: ")
    assert values["page_size"] == "10"
    assert values["per_record_extrapolated"] == "no"
    assert float(values["ratio"]) > 1
