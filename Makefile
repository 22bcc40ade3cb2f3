# Every target does its own set-up (scripts/setup.sh is idempotent and quick once done).
SHELL := /bin/bash
PLUGIN := land_enforcement_plugin
VENV := .venv
PY := $(VENV)/bin/python
VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
DEMO_DIR ?= build/demo
QGIS_PLUGINS_DIR ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default/python/plugins
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup test demo bench package install qgis compile clean

setup:
	bash scripts/setup.sh

# Compiled Qt resources and translations, needed by the plugin at run time.
compile: setup
	$(PY) scripts/build.py compile

test: compile
	$(PY) -m pytest -q tests

demo: compile
	$(PY) scripts/demo.py --out $(DEMO_DIR)

package: compile
	$(PY) scripts/build.py package --dist dist

install: compile
	$(PY) scripts/build.py install --plugins-dir "$(QGIS_PLUGINS_DIR)"

qgis: install demo
	QT_QPA_PLATFORM= qgis --project $(DEMO_DIR)/demo.qgz

clean:
	rm -rf build dist
