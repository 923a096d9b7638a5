"""The committed gallery is what its documented commands give: each record equals a fresh run.

The commands are read from docs/gallery.md (and the README's gallery
section) by the same code that regenerates the gallery, docs/make_gallery.py,
so the page, the files and this test cannot drift apart. Every command runs
with one BLAS thread and fixed seeds, so in the environment that made a
record (same numpy, BLAS build and kernel, threads and platform: the
record's ``environment``) a fresh run equals it bit for bit, and the test
compares exactly. Elsewhere a BLAS kernel that rounds differently grows the
last bit into other losses and accuracies over hundreds of steps, and no
small tolerance would help; there the test checks instead that the lessons
the page draws from each figure still hold on the fresh run
(docs/gallery_lessons.py), and says which environment made the record.
"""

import importlib.util
import json
import math
import re
from pathlib import Path

import pytest

from minidl.environment import describe, same_environment

ROOT = Path(__file__).resolve().parent.parent


def load_docs_module(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_gallery = load_docs_module("make_gallery")
gallery_lessons = load_docs_module("gallery_lessons")

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


def check_against_committed(stem, fresh, committed):
    """The failure message of a fresh record against the committed one, or None if it passes.

    Same environment: exact comparison. Another one: the lessons of the
    figure (``gallery_lessons.LESSONS``), the message naming both environments.
    """
    made_in, runs_in = committed.get("environment"), fresh.get("environment")
    if same_environment(made_in, runs_in):
        found = differences(fresh, committed)
        return (f"docs/gallery/{stem}.json is not what its command gives, in the environment that made it:\n"
                + "\n".join(found[:10]) + f"\n({len(found)} differences; {REGENERATE})") if found else None
    broken = gallery_lessons.broken_lessons(stem, fresh)
    return (f"docs/gallery/{stem}.json was made with {describe(made_in)}; this run has {describe(runs_in)}, "
            "so its numbers differ in the last digits and only the page's lessons are checked:\n"
            + "\n".join(f"lesson {lesson.__name__!r} no longer holds: {failure}" for lesson, failure in broken)
            + "\nfix the figure's text or settings in docs/gallery.md (gallery_lessons.py holds the lessons)"
            ) if broken else None


@pytest.mark.parametrize("command", COMMANDS)
def test_committed_record_equals_a_fresh_run_or_keeps_its_lessons(command, fresh_records):
    stem = make_gallery.output_stem(command)
    committed = committed_record(stem)
    failure = check_against_committed(stem, fresh_records[stem], committed)
    assert failure is None, failure
    # The committed record itself teaches what the page says, wherever it was made.
    assert not gallery_lessons.broken_lessons(stem, committed)


def test_every_figure_has_lessons_and_every_record_its_environment():
    stems = {make_gallery.output_stem(command) for command in COMMANDS}
    assert set(gallery_lessons.LESSONS) == stems
    for stem in stems:
        environment = committed_record(stem)["environment"]
        assert environment["blas"]["architecture"] and environment["numpy"] and environment["threads"], stem


def test_the_same_environment_is_compared_bit_for_bit():
    committed = committed_record("compare")
    fresh = json.loads(json.dumps(committed))
    assert check_against_committed("compare", fresh, committed) is None
    fresh["optimizers"]["adam"]["mean_final_training_loss"] = math.nextafter(
        committed["optimizers"]["adam"]["mean_final_training_loss"], 1.0)  # one last bit
    failure = check_against_committed("compare", fresh, committed)
    assert failure and "in the environment that made it" in failure and "['adam']" in failure


def test_another_environment_checks_the_lessons_and_names_both_environments():
    committed = committed_record("compare")
    fresh = json.loads(json.dumps(committed))
    fresh["environment"]["blas"]["architecture"] = "NoSuchKernel"
    fresh["optimizers"]["adam"]["mean_final_training_loss"] *= 1.05  # last digits differ: still the lesson
    assert check_against_committed("compare", fresh, committed) is None
    fresh["optimizers"]["adam"]["mean_final_training_loss"] = 0.5  # Adam now behind Momentum
    failure = check_against_committed("compare", fresh, committed)
    assert "lesson 'optimizers_finish_in_the_stated_order' no longer holds" in failure
    assert "NoSuchKernel" in failure and committed["environment"]["blas"]["architecture"] in failure
    assert "differences" not in failure


@pytest.mark.parametrize("stem", sorted(gallery_lessons.LESSONS))
def test_each_lesson_can_fail(stem):
    # A lesson that a wrong record does not break checks nothing: spoil each figure's key numbers.
    record = json.loads(json.dumps(committed_record(stem)))
    spoil = {
        "paths": lambda r: r["optimizers"]["adagrad"].update(final_value=1.0),
        "compare": lambda r: r["optimizers"]["sgd"].update(mean_final_training_loss=0.001),
        "init": lambda r: r["initialisations"]["he"].update(mean_final_training_loss=0.5),
        "activations-sigmoid": lambda r: r["initialisations"]["0.01"].update(standard_deviation_per_layer=[0.3] * 5),
        "activations-relu": lambda r: r["initialisations"]["he"].update(standard_deviation_per_layer=[0.1] * 5),
        "batchnorm": lambda r: [row.update(with_batchnorm=0.108) for row in r["final_train_accuracy"]],
        "overfit": lambda r: r["configurations"][1].update(final_gap=0.5),
        "search": lambda r: r["ranking"][0].update(learning_rate=1e-4),
        "filters": lambda r: r["filters"]["trained"].update(mean_neighbour_correlation=0.02),
    }[stem]
    spoil(record)
    assert gallery_lessons.broken_lessons(stem, record)


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
