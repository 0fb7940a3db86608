# The two commands of the README, and a few helpers.
.PHONY: run test setup key

run:            ## set up, load demo data, start web + worker + beat
	scripts/run.sh

test:           ## set up, lint, run the whole test suite
	scripts/test.sh $(ARGS)

setup:          ## only install (virtualenv, Python and system packages)
	scripts/bootstrap.sh dev

key:            ## print a new key for DSR_ENCRYPTION_KEYS
	@.venv/bin/python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"
