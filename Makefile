# Shortcuts; each target is also a plain script under scripts/.
.PHONY: setup gallery test bench

setup:
	bash scripts/setup.sh

gallery:
	bash scripts/gallery.sh

test:
	bash scripts/test.sh

bench: setup
	.venv/bin/python -m pip install -q -e ".[bench]"
	.venv/bin/python -m benchmarks.bench_engine
	.venv/bin/python -m benchmarks.bench_lstm
	.venv/bin/python -m benchmarks.bench_render
