# Two commands for a newcomer: `make demo` and `make test`. Everything else here is
# what those two need, made only when missing or out of date.

VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
ASSETS := trellis/static/trellis/trellis.css
# Dummy production values, only for `check --deploy` (never used to serve).
DEPLOY_ENV := TRELLIS_MODE=production \
	SECRET_KEY=check-deploy-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
	ALLOWED_HOSTS=trellis.example.org DATABASE_URL=sqlite:///:memory: \
	EMAIL_HOST=smtp.example.org \
	TRELLIS_PSEUDONYM_SECRET=check-deploy-only-pseudonym-secret-0123456789

.PHONY: demo test install assets chromium lint sbom lock clean

demo: install assets
	$(BIN)/trellis demo

test: install assets chromium lint
	$(BIN)/pytest -n 2 --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy trellis
	$(BIN)/bandit -q -r trellis -lll
	$(BIN)/trellis makemigrations --check --dry-run
	$(DEPLOY_ENV) $(BIN)/trellis check --deploy --fail-level WARNING

# A CycloneDX bill of materials of everything installed in the virtual environment, for
# each release (SECURITY-BAR 38). SOURCE_DATE_EPOCH, when set, becomes its timestamp.
sbom: install
	$(BIN)/cyclonedx-py environment --pyproject pyproject.toml --output-reproducible \
	  --of JSON -o sbom.cdx.json $(BIN)/python

# After changing a pin (pip install into .venv, then
# `pip freeze --exclude-editable > requirements.lock`): add each wheel's SHA-256 to the lock.
lock:
	$(BIN)/python tools/lock.py

install: $(INSTALLED)

$(INSTALLED): requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

assets: $(ASSETS)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

$(ASSETS): node_modules/.package-lock.json frontend/trellis.scss frontend/build.mjs
	npm run build

# Browser tests drive Debian's Chromium; they are never skipped.
chromium:
	@if ! command -v chromium >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && apt-get install -y -qq chromium fonts-liberation; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium fonts-liberation'." >&2; \
	    exit 1; \
	  fi; \
	fi

clean:
	rm -rf $(VENV) node_modules trellis/static/trellis trellis/static/govuk trellis/static/htmx
