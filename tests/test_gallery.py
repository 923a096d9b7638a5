"""The committed gallery is what its documented commands give: each record equals a fresh run.

The commands are read from docs/gallery.md (and the README's gallery
section) by the same code that regenerates the gallery, docs/make_gallery.py,
so the page, the files and this test cannot drift apart. The records are
compared exactly: every command runs with one BLAS thread and fixed seeds,
so on a given machine it gives the same numbers bit for bit. A BLAS built
for another processor may round differently, and hundreds of training steps
turn the last bit into a different accuracy, so no small tolerance would
help there: such a machine regenerates the gallery instead.
"""

import importlib.util
import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_gallery", ROOT / "docs" / "make_gallery.py")
make_gallery = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_gallery)

COMMANDS = make_gallery.page_commands()
REGENERATE = "regenerate the gallery with: python docs/make_gallery.py"


def differences(fresh, committed, where="record"):
    """Where two parsed JSON values differ, as readable lines (exact comparison, NaN written as null)."""
    if isinstance(fresh, dict) and isinstance(committed, dict):
        lines = [f"{where}: keys {sorted(fresh.keys() ^ committed.keys())} are in one record only"] \
            if fresh.keys() != committed.keys() else []
        for key in fresh.keys() & committed.keys():
            lines += differences(fresh[key], committed[key], f"{where}[{key!r}]")
        return lines
    if isinstance(fresh, list) and isinstance(committed, list) and len(fresh) == len(committed):
        return [line for index, (new, old) in enumerate(zip(fresh, committed))
                for line in differences(new, old, f"{where}[{index}]")]
    return [] if fresh == committed else [f"{where}: fresh run {fresh!r}, committed {committed!r}"]


@pytest.fixture(scope="module")
def fresh_records(tmp_path_factory):
    """Run every command of the page once, side by side on the usable cores; stem -> parsed record."""
    folder = tmp_path_factory.mktemp("results")
    runs = make_gallery.run_commands(COMMANDS, make_gallery.usable_cores(), out=folder,
                                     extra=("--no-plot", "--quiet"))
    for command, process, _ in runs:
        assert process.returncode == 0, f"{command!r} failed:\n{process.stderr}"
    return {make_gallery.output_stem(command): json.loads((folder / f"{make_gallery.output_stem(command)}.json")
                                                          .read_text(encoding="utf-8")) for command in COMMANDS}


def committed_record(stem):
    return json.loads((make_gallery.GALLERY / f"{stem}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("command", COMMANDS)
def test_committed_record_equals_a_fresh_run_of_its_command(command, fresh_records):
    stem = make_gallery.output_stem(command)
    found = differences(fresh_records[stem], committed_record(stem))
    assert not found, f"docs/gallery/{stem}.json is not what {command!r} gives:\n" + "\n".join(found[:10]) + \
        f"\n({len(found)} differences; {REGENERATE})"


def test_the_documented_commands_write_to_results_one_file_stem_each():
    assert len(COMMANDS) >= 8
    assert all(make_gallery.parse(command).out == "results" for command in COMMANDS)
    stems = [make_gallery.output_stem(command) for command in COMMANDS]
    assert len(set(stems)) == len(stems), f"two commands write the same files: {stems}"


def test_the_readme_shows_gallery_commands_and_figures_of_the_page():
    shown = make_gallery.readme_commands()
    assert shown and set(shown) <= set(COMMANDS), f"README commands not on docs/gallery.md: {set(shown) - set(COMMANDS)}"
    readme = make_gallery.README.read_text(encoding="utf-8")
    for command in shown:
        assert f"(docs/gallery/{make_gallery.output_stem(command)}.png)" in readme


def test_docs_gallery_holds_the_figure_and_record_of_each_command_and_nothing_else():
    stems = {make_gallery.output_stem(command) for command in COMMANDS}
    for suffix in ("json", "png"):
        kept = {path.stem for path in make_gallery.GALLERY.glob(f"*.{suffix}")}
        assert kept == stems, f"docs/gallery/*.{suffix}: missing {stems - kept}, left over {kept - stems}"
    page = make_gallery.PAGE.read_text(encoding="utf-8")
    assert {name for name in re.findall(r"\(gallery/([\w-]+)\.png\)", page)} == stems


def test_the_committed_overfitting_record_shows_both_remedies_working():
    # The lesson of the page: weight decay and dropout narrow the gap between
    # training and test accuracy without costing test accuracy.
    plain, *remedies = committed_record("overfit")["configurations"]
    for remedy in remedies:
        assert remedy["final_gap"] < plain["final_gap"], remedy["name"]
        assert remedy["final_test_accuracy"] >= plain["final_test_accuracy"], remedy["name"]
        assert not math.isnan(remedy["final_test_accuracy"])


def test_the_overfitting_table_of_the_page_quotes_the_committed_record():
    page = make_gallery.PAGE.read_text(encoding="utf-8")
    for configuration in committed_record("overfit")["configurations"]:
        label = configuration["name"].replace("λ=", "λ = ")
        row = re.search(rf"^\| {re.escape(label)} \|(.*)\|$", page, flags=re.MULTILINE)
        assert row, f"docs/gallery.md has no table row for {label!r}"
        train, test, gap, per_seed = [cell.strip() for cell in row.group(1).split("|")]
        assert train == f"{100 * configuration['final_train_accuracy']:.0f} %"
        assert test == f"{100 * configuration['final_test_accuracy']:.1f} %"
        assert gap == f"{100 * configuration['final_gap']:.1f}"
        assert per_seed == ", ".join(f"{100 * run['final_test_accuracy']:.1f}" for run in configuration["per_seed"])
