# pdf-deid — the two commands:
#   make run    fetch what is missing, build, redact the bundled sample PDFs
#   make test   the whole test suite (fmt, clippy, UI type check, unit + integration tests,
#               the desktop window end to end under Xvfb; corpus tests run when
#               ../shared/corpus exists)
#   make app    build and launch the desktop app
CARGO ?= cargo
OUT ?= out/samples

.PHONY: run test setup build doctor bench eval robustness clean-out app bundle cuda-check

setup:
	@scripts/setup.sh

build: setup
	$(CARGO) build --release --locked

run: build
	./target/release/pdf-deid doctor
	./target/release/pdf-deid run assets/samples --out $(OUT)

# Resources `make test` expects (setup provides the encoder, Tesseract, Xvfb and the driver; root can
# unshare and mount; CI has ../shared/corpus): a test that would skip for one of them fails.
REQUIRE = e2e,encoder,ocr$(if $(wildcard ../shared/corpus),$(comma)corpus)$(if $(filter 0,$(shell id -u)),$(comma)netns$(comma)tmpfs)
comma := ,

test: setup
	@[ -d ../shared/corpus ] || echo "NOTICE: ../shared/corpus not found: the corpus tests in tests/corpus.rs are skipped"
	@echo "test: PDF_DEID_REQUIRE=$(REQUIRE) (a skip for any of these fails)"
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	cd ui && ./node_modules/.bin/tsc -p .
	PDF_DEID_REQUIRE=$(REQUIRE) $(CARGO) test --workspace --locked
	@$(MAKE) --no-print-directory cuda-check

# The NER on an NVIDIA GPU (`--features cuda`) is built where the CUDA toolkit is installed.
# Without it even `cargo check` cannot run: candle-kernels' build script compiles its CUDA
# kernels with nvcc. Then this prints a notice and the GPU path stays unbuilt here.
cuda-check:
	@if command -v nvcc >/dev/null 2>&1; then \
	  echo "cuda-check: nvcc found, building the cuda feature"; \
	  $(CARGO) build --locked -p pdf-deid --features cuda; \
	else \
	  echo "NOTICE: nvcc (CUDA toolkit) not found: the cuda feature is not built here (docs/benchmarks.md, GPU)"; \
	fi

# The desktop app (release build; the `pdf-deid` program beside it runs the documents).
app: setup
	$(CARGO) build --release --locked -p pdf-deid -p pdf-deid-desktop --features pdf-deid-desktop/custom-protocol
	./target/release/pdf-deid-desktop

# Debian package: the app, the `pdf-deid` program as its sidecar, libpdfium, the models and
# the NER base encoder. The Tauri bundler comes from ui/package-lock.json.
TARGET_DIR ?= $(or $(CARGO_TARGET_DIR),target)
bundle: setup
	$(CARGO) build --release --locked -p pdf-deid
	mkdir -p src-tauri/binaries
	cp $(TARGET_DIR)/release/pdf-deid src-tauri/binaries/pdf-deid-$$(rustc -vV | sed -n 's/^host: //p')
	cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb --config tauri.bundle.json

doctor: build
	./target/release/pdf-deid doctor

# Slow measurements (not part of `make test`): see docs/benchmarks.md, docs/robustness.md, docs/accuracy.md.
bench: setup
	$(CARGO) bench --bench pipeline
	$(CARGO) build --release --locked
	./target/release/pdf-deid bench --pages 200
	./target/release/pdf-deid bench --corpus 340

robustness: build
	./target/release/pdf-deid corpus robustness ../shared/corpus/robustness --report docs/robustness.md

# The numbers in docs/accuracy.md's summary (printed; the doc is edited by hand).
CORPUS ?= ../shared/corpus
eval: build
	./target/release/pdf-deid corpus phi-lists $(CORPUS)/deid/jsl-text
	./target/release/pdf-deid eval --generated --no-text
	./target/release/pdf-deid eval --generated --generated-seed 29 --no-text
	./target/release/pdf-deid eval --gold $(CORPUS)/text/presidio-synth/presidio_synth.jsonl --held-back --no-text
	./target/release/pdf-deid eval --gold $(CORPUS)/text/synthea/synthea_silver.jsonl --held-back --no-text
	./target/release/pdf-deid eval --negatives $(CORPUS)/text/mtsamples/mtsamples_subset.csv --held-back --no-text
	for c in as-is upper lower; do \
	  ./target/release/pdf-deid eval --realistic all --realistic-slice test --case $$c --corpus $(CORPUS); \
	  ./target/release/pdf-deid eval --gold $(CORPUS)/text/presidio-synth/presidio_synth.jsonl --held-back --no-text --case $$c; \
	  ./target/release/pdf-deid eval --generated --generated-seed 29 --no-text --case $$c; \
	done
