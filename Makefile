# Every target does its own set-up (scripts/setup.sh is idempotent and quick once done).
SHELL := /bin/bash
PLUGIN := land_enforcement_plugin
VENV := .venv
PY := $(VENV)/bin/python
VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
DEMO_DIR ?= build/demo
QGIS_PLUGINS_DIR ?= $(HOME)/.local/share/QGIS/QGIS3/profiles/default/python/plugins
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup test test-fast demo bench package install qgis compile clean translations desktop-check postgis-roles guide

setup:
	bash scripts/setup.sh

# Compiled translations (.qm), needed by the plugin at run time (icons are plain files).
compile: setup
	$(PY) scripts/build.py compile

test: compile
	$(PY) -m pytest -q tests

# The quick inner loop: everything but QGIS desktop, PostgreSQL and other processes (marked `slow` by
# tests/conftest.py), on two workers (pytest-xdist).
test-fast: compile
	$(PY) -m pytest -q -n 2 -m "not slow" tests

demo: compile
	$(PY) scripts/demo.py --out $(DEMO_DIR)

# Large county (>= 400,000 parcels, 20,000 patches; generated once into build/bench): the plugin's
# overlay against QGIS's native:intersection of one layer, with the ratio and peak memory. Then the city
# summary of 10 generated counties x 20,000 patches from packages and from PostGIS (CITY_BENCH="--counties 3"...).
bench: compile
	$(PY) bench/overlay_bench.py --out build/bench
	$(PY) bench/city_bench.py --out build/city_bench $(CITY_BENCH)

package: compile
	$(PY) scripts/build.py package --dist dist

install: compile
	$(PY) scripts/build.py install --plugins-dir "$(QGIS_PLUGINS_DIR)"

# Update i18n/*.ts from the plugin's sources (pylupdate5), keeping the translations made so far;
# lists what is left untranslated. FILL=file.json fills strings in ({source: text}).
translations: setup
	$(PY) scripts/build.py translations $(if $(FILL),--fill $(FILL))

# Real QGIS desktop under Xvfb with the plugin installed in a throw-away profile (Chinese UI):
# screenshot and report in build/desktop_check/. DESKTOP_PROJECT=x.qgz opens a project;
# DESKTOP_REVIEW_PHOTOS=build/demo/photos also records a verdict with photos on the next unverified patch.
desktop-check: compile
	$(PY) scripts/desktop_check.py $(if $(DESKTOP_PROJECT),--project "$(DESKTOP_PROJECT)") \
		$(if $(DESKTOP_REVIEW_PHOTOS),--review-photos "$(DESKTOP_REVIEW_PHOTOS)")

# Bureau mode: roles and logins in a PostGIS database, e.g.
# make postgis-roles CONNECTION=service=bureau ROLES="--county wang --township li=370323101000 --reviewer city"
postgis-roles: setup
	$(PY) scripts/postgis_roles.py --connection "$(CONNECTION)" $(ROLES)

# The user guide's screenshots (docs/images/zh, docs/images/en), from real QGIS under Xvfb on a fresh
# demo county: one season through the plugin's UI, Chinese then English.
guide: compile
	$(PY) scripts/demo.py --out $(DEMO_DIR) > /dev/null
	$(PY) scripts/guide_screenshots.py --demo $(DEMO_DIR) --locale zh-Hans
	$(PY) scripts/guide_screenshots.py --demo $(DEMO_DIR) --locale en

qgis: install demo
	QT_QPA_PLATFORM= qgis --project $(DEMO_DIR)/demo.qgz

clean:
	rm -rf build dist
